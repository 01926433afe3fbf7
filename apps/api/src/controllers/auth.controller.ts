import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@parley/domain/services/agent.service';
import { AuthService } from '@parley/domain/services/auth.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AppError } from '@parley/errors/app-error';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { CurrentAgent, Public } from '../auth/auth.guards';
import { AcceptInviteDto, LoginDto, LogoutDto, RefreshDto, SignupDto } from '../dtos/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly agents: AgentService,
    private readonly guard: IpGuardService,
  ) {}

  /** A refused credential counts against the IP (and the account): five in 15 minutes blocks the IP. */
  private async counted<T>(ip: string, work: () => Promise<T>, account?: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError && error.statusCode === 401) {
        const workspaceId = account ? await this.auth.workspaceOf(account) : null;
        await this.guard.recordFailure(ip, { reason: error.code, workspaceId });
        if (account) await this.guard.recordAccountFailure(account);
      }
      throw error;
    }
  }

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
  async login(@Body() dto: LoginDto, @Ip() ip: string) {
    await this.guard.assertAccountNotLocked(dto.email, ip);
    return this.counted(ip, () => this.auth.login(dto.email, dto.password), dto.email);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token; a spent one used again revokes its whole family' })
  refresh(@Body() dto: RefreshDto, @Ip() ip: string) {
    return this.counted(ip, () => this.auth.refresh(dto.refresh_token));
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
