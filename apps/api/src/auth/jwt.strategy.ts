import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AccessClaims, AuthAgent, JWT_ALGORITHM, TokenService } from '@parley/domain/services/token.service';

/**
 * Bearer access tokens from the Authorization header only (never a query string, which proxies
 * log and people paste: media elements use signed media links instead). HS256 only (no `none`,
 * no key confusion), issuer, audience and expiry checked.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(CONFIG) config: AppConfig,
    private readonly tokens: TokenService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
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
