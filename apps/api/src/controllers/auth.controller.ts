import { Body, Controller, Get, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { MeView } from '@parley/contract/auth';
import { AgentService } from '@parley/domain/services/agent.service';
import { AuthService } from '@parley/domain/services/auth.service';
import { AuthFailure, type AuthAgent } from '@parley/domain/services/token.service';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { CurrentAgent, Public } from '../auth/auth.guards';
import {
  AcceptInviteDto,
  ChangePasswordDto,
  LoginDto,
  LogoutDto,
  RefreshDto,
  SignupDto,
} from '../dtos/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly agents: AgentService,
    private readonly guard: IpGuardService,
  ) {}

  /**
   * Every refused credential is recorded; only guesses (a wrong password, an unknown refresh token)
   * count toward the IP's blacklist, and wrong passwords toward the (account, IP) slow-down.
   */
  private async counted<T>(
    ip: string,
    work: () => Promise<T>,
    context: { account?: string; workspaceId?: () => Promise<string | null> } = {},
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AuthFailure) {
        const workspaceId = (await context.workspaceId?.().catch(() => null)) ?? null;
        await this.guard.recordFailure(ip, { reason: error.code, counted: error.guess, workspaceId });
        if (context.account && error.guess) await this.guard.recordAccountFailure(context.account, ip);
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
    await this.guard.assertAccountNotSlowed(dto.email, ip);
    const session = await this.counted(ip, () => this.auth.login(dto.email, dto.password), {
      account: dto.email,
      workspaceId: () => this.auth.workspaceOf(dto.email),
    });
    await this.guard.clearAccountFailures(dto.email, ip);
    return session;
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Rotate a refresh token; a spent one used again (past a 10 s grace for racing tabs) revokes its whole family',
  })
  refresh(@Body() dto: RefreshDto, @Ip() ip: string) {
    return this.counted(ip, () => this.auth.refresh(dto.refresh_token), {
      workspaceId: () => this.auth.workspaceOfRefreshToken(dto.refresh_token),
    });
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      'End this sign-in (its tokens and open sockets, at once), or every sign-in without refresh_token',
  })
  async logout(@CurrentAgent() agent: AuthAgent, @Body() dto: LogoutDto) {
    await this.auth.logout(agent, dto.refresh_token);
  }

  @Post('password')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Change one's own password: every sign-in ends (tokens and sockets); answers fresh tokens",
  })
  async changePassword(@CurrentAgent() agent: AuthAgent, @Body() dto: ChangePasswordDto, @Ip() ip: string) {
    await this.guard.assertAccountNotSlowed(agent.email, ip);
    const session = await this.counted(
      ip,
      () => this.auth.changePassword(agent.id, dto.current_password, dto.new_password),
      { account: agent.email, workspaceId: async () => agent.workspaceId },
    );
    return session;
  }

  @Public()
  @Post('accept-invite')
  @ApiOperation({ summary: 'Set the password of an invited agent; answers tokens as at login' })
  acceptInvite(@Body() dto: AcceptInviteDto) {
    return this.auth.acceptInvite(dto.invite_token, dto.password);
  }

  @Get('me')
  @ApiBearerAuth()
  async me(@CurrentAgent() agent: AuthAgent): Promise<MeView> {
    return { ...(await this.agents.get(agent.workspaceId, agent.id)), is_operator: agent.operator };
  }
}
