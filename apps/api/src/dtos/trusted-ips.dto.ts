import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, MaxLength } from 'class-validator';

export class TrustedIpsDto {
  @ApiProperty({
    type: [String],
    example: ['203.0.113.10', '198.51.100.0/24'],
    description:
      "The workspace's office addresses (IPs or CIDRs): sign-ins to its accounts from them are never counted toward, nor refused by, the IP blacklist",
  })
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ips!: string[];
}
