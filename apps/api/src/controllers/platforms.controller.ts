import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { PlatformView } from '@parley/contract/views';
import { toPlatformView } from '@parley/domain/presenters/platform.presenter';
import { PlatformRegistry } from '@parley/platforms/platform.registry';

@ApiTags('platforms')
@ApiBearerAuth()
@Controller('platforms')
export class PlatformsController {
  constructor(private readonly platforms: PlatformRegistry) {}

  /** Each platform's support for agents' edits, deletes and reactions, for the dashboard to say so before an agent acts. */
  @Get()
  list(): PlatformView[] {
    return this.platforms.types().map((type) => toPlatformView(this.platforms.adapter(type)));
  }
}
