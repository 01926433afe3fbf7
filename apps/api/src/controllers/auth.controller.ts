import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@parley/domain/services/agent.service';
import { AuthService } from '@parley/domain/services/auth.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Public } from '../auth/auth.guards';
import { AcceptInviteDto, LoginDto, LogoutDto, RefreshDto, SignupDto } from '../dtos/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly agents: AgentService,
  ) {}

  @Public()
  @Post('signup')
  @ApiOperation({ summary: 'Create a workspace and its first admin' })
  signup(@Body() dto: SignupDto) {
    return this.auth.signup({
      workspaceName: dto.workspace_name,
      name: dto.name,
      email: dto.email,
      password: dto.password,
    });
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto) {
    return this.auth.login(dto.email, dto.password);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token; a spent one used again revokes its whole family' })
  refresh(@Body() dto: RefreshDto) {
    return this.auth.refresh(dto.refresh_token);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  async logout(@CurrentAgent() agent: AuthAgent, @Body() dto: LogoutDto) {
    await this.auth.logout(agent.id, dto.refresh_token);
  }

  @Public()
  @Post('accept-invite')
  @ApiOperation({ summary: 'Set the password of an invited agent; answers tokens as at login' })
  acceptInvite(@Body() dto: AcceptInviteDto) {
    return this.auth.acceptInvite(dto.invite_token, dto.password);
  }

  @Get('me')
  @ApiBearerAuth()
  me(@CurrentAgent() agent: AuthAgent) {
    return this.agents.get(agent.workspaceId, agent.id);
  }
}
