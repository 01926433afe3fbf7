import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AccessClaims, AuthAgent, JWT_ALGORITHM, TokenService } from '@parley/domain/services/token.service';

/** `?token=` is accepted for attachment downloads only: an `<audio>` or `<img>` cannot send a header. */
const mediaQueryToken = (req: Request): string | null =>
  /^\/api\/v1\/messages\/[^/]+\/attachments\/\d+$/.test(req.path) && typeof req.query.token === 'string'
    ? req.query.token
    : null;

/** Bearer access tokens: HS256 only (no `none`, no key confusion), issuer, audience and expiry checked. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(CONFIG) config: AppConfig,
    private readonly tokens: TokenService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), mediaQueryToken]),
      secretOrKey: config.jwt.secret,
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
    });
  }

  /** The agent must still exist and be active: deactivation takes effect on the next request. */
  validate(claims: AccessClaims): Promise<AuthAgent> {
    return this.tokens.agentFromClaims(claims);
  }
}
