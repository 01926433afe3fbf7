import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { LABEL_COLOR, LABEL_NAME_MAX } from '@parley/contract/labels';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const NO_CONTROL = /^[^\p{Cc}]*$/u;

export class CreateLabelDto {
  @ApiProperty({ description: 'Unique in the workspace, ignoring case' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(LABEL_NAME_MAX)
  @Matches(NO_CONTROL, { message: 'name must not hold control characters' })
  name!: string;

  @ApiProperty({ example: '#1f8a70', description: '#rrggbb' })
  @Matches(LABEL_COLOR, { message: 'color must be #rrggbb' })
  color!: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(280)
  description?: string | null;
}

export class UpdateLabelDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(LABEL_NAME_MAX)
  @Matches(NO_CONTROL, { message: 'name must not hold control characters' })
  name?: string;

  @ApiPropertyOptional({ example: '#1f8a70' })
  @IsOptional()
  @Matches(LABEL_COLOR, { message: 'color must be #rrggbb' })
  color?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(280)
  description?: string | null;
}

export class SetLabelsDto {
  @ApiProperty({
    type: [String],
    description: 'The whole set of label ids (an empty list takes every label off)',
  })
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  label_ids!: string[];
}
