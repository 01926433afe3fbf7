import { DynamicModule, INestApplication, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppConfig, CONFIG } from '@parley/config/config';
import { DomainModule } from '@parley/domain/domain.module';
import { RealtimeModule } from '@parley/realtime/realtime.module';
import { RuntimeModule } from '@parley/runtime/runtime.module';
import { CLAIMED_WORKSPACE, IpGuardMiddleware } from '@parley/security/ip-guard.middleware';
import { ApiKeyService } from '@parley/domain/services/api-key.service';
import { OAuthTokenService } from '@parley/domain/oauth/oauth-token.service';
import { AuthService } from '@parley/domain/services/auth.service';
import { TokenService } from '@parley/domain/services/token.service';
import { SecurityStatsService } from '@parley/security/security-stats.service';
import { JwtAuthGuard, RolesGuard } from './auth/auth.guards';
import { claimedWorkspace } from './auth/claimed-workspace';
import { JwtStrategy } from './auth/jwt.strategy';
import { AdminEventReadersController } from './controllers/admin-event-readers.controller';
import { LabelsController } from './controllers/labels.controller';
import { CannedResponsesController } from './controllers/canned-responses.controller';
import { TeamsController } from './controllers/teams.controller';
import { AdminSecurityController } from './controllers/admin-security.controller';
import { AgentsController } from './controllers/agents.controller';
import { ApiKeysController } from './controllers/api-keys.controller';
import { AppActionsController } from './controllers/app-actions.controller';
import { BotsController } from './controllers/bots.controller';
import { CallsController, ConversationCallLinkController } from './controllers/calls.controller';
import { CallLinkPageController } from './controllers/call-link-page.controller';
import { CallAnswerPageController } from './controllers/call-answer-page.controller';
import { CallLinkGateway } from './gateway/call-link.gateway';
import { CallLinkSocketKind } from './gateway/kinds/call-link.socket-kind';
import { CallRingSweeper } from '@parley/domain/calls/call-ring.sweeper';
import { AttachmentsController } from './controllers/attachments.controller';
import { AuthController } from './controllers/auth.controller';
import { ChannelOAuthController } from './controllers/channel-oauth.controller';
import { ChannelsController } from './controllers/channels.controller';
import { ContactsController } from './controllers/contacts.controller';
import { DivarSessionPageController } from './controllers/divar-session.controller';
import { ConversationsController } from './controllers/conversations.controller';
import { ConversationAppsController } from './controllers/conversation-apps.controller';
import { MediaController } from './controllers/media.controller';
import { MessagesController } from './controllers/messages.controller';
import { OAuthAppsController } from './controllers/oauth-apps.controller';
import { OAuthConsentController } from './controllers/oauth-consent.controller';
import { OAuthInstallationsController } from './controllers/oauth-installations.controller';
import { OAuthController } from './controllers/oauth.controller';
import { OperatorSecurityController } from './controllers/operator-security.controller';
import { PlatformsController } from './controllers/platforms.controller';
import { WebhooksController } from './controllers/webhooks.controller';
import { BusinessHoursController } from './controllers/business-hours.controller';
import { ReportsController } from './controllers/reports.controller';
import { SearchController } from './controllers/search.controller';
import { ChatGateway } from './gateway/chat.gateway';
import { HandshakeService } from './gateway/handshake.service';
import { ConversationsGateway, NotificationsGateway } from './gateway/list.gateways';
import { ChatSocketKind } from './gateway/kinds/chat.socket-kind';
import { ConversationsSocketKind } from './gateway/kinds/conversations.socket-kind';
import { NotificationsSocketKind } from './gateway/kinds/notifications.socket-kind';
import { VisitorSocketKind } from './gateway/kinds/visitor.socket-kind';
import { VisitorGateway } from './gateway/visitor.gateway';
import { VisitorSlots } from './gateway/visitor-slots';
import { VisitorBlockController } from './widget/visitor-block.controller';
import { WorkspaceController } from './controllers/workspace.controller';
import { ContactAttributesController } from './controllers/contact-attributes.controller';
import { VisitorGuard } from './widget/visitor.guard';
import { WidgetController } from './widget/widget.controller';
import { WidgetService } from '@parley/domain/widget/widget.service';
import { SocketHub } from './gateway/socket-hub';
import { SocketKindDefinition, SocketKinds } from './gateway/socket-kind';
import { ParleyWsAdapter } from './gateway/ws.adapter';
import { serveDashboard } from './dashboard';
import { serveWidget } from './widget-static';
import { ChannelService } from '@parley/domain/services/channel.service';

export const API_PREFIX = 'api/v1';

/** Every kind of socket the api serves; a new kind is its definition, its gateway, and a line here. */
const SOCKET_KINDS = [
  ChatSocketKind,
  ConversationsSocketKind,
  NotificationsSocketKind,
  VisitorSocketKind,
  CallLinkSocketKind,
];

@Module({})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(IpGuardMiddleware).forRoutes('{*splat}');
  }

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [RuntimeModule.forRoot(config, 'api'), DomainModule, RealtimeModule, PassportModule],
      controllers: [
        AuthController,
        AgentsController,
        ApiKeysController,
        ConversationsController,
        MessagesController,
        ContactsController,
        ChannelsController,
        PlatformsController,
        ChannelOAuthController,
        AttachmentsController,
        MediaController,
        AdminSecurityController,
        AdminEventReadersController,
        OperatorSecurityController,
        DivarSessionPageController,
        WebhooksController,
        OAuthAppsController,
        OAuthInstallationsController,
        OAuthConsentController,
        OAuthController,
        AppActionsController,
        ConversationAppsController,
        BotsController,
        WidgetController,
        VisitorBlockController,
        BusinessHoursController,
        ReportsController,
        LabelsController,
        CannedResponsesController,
        TeamsController,
        SearchController,
        CallsController,
        ConversationCallLinkController,
        CallLinkPageController,
        CallAnswerPageController,
        WorkspaceController,
        ContactAttributesController,
      ],
      providers: [
        JwtStrategy,
        SecurityStatsService,
        HandshakeService,
        ...SOCKET_KINDS,
        {
          provide: SocketKinds,
          useFactory: (...kinds: SocketKindDefinition[]) => new SocketKinds(kinds),
          inject: SOCKET_KINDS,
        },
        SocketHub,
        ChatGateway,
        ConversationsGateway,
        NotificationsGateway,
        VisitorGateway,
        VisitorSlots,
        WidgetService,
        VisitorGuard,
        {
          provide: CLAIMED_WORKSPACE,
          useFactory: claimedWorkspace,
          inject: [TokenService, AuthService, ApiKeyService, OAuthTokenService],
        },
        CallRingSweeper,
        CallLinkGateway,
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
      ],
    };
  }
}

/** Prefix, WebSockets, OpenAPI, the web chat widget and the dashboard; main.ts and the tests both call this. */
export function setupApi(app: INestApplication): void {
  const channels = app.get(ChannelService);
  // A website channel's allowed origins frame its chat (frame-ancestors).
  serveWidget(app, app.get<AppConfig>(CONFIG), async (id) => {
    const channel = await channels.findLive('web', id);
    return channel?.settings?.allowed_origins ?? null;
  });
  serveDashboard(app, app.get<AppConfig>(CONFIG));
  app.useWebSocketAdapter(new ParleyWsAdapter(app));
  // The customer's add-on session page lives outside the API, at the link Divar opens; so do the OAuth
  // callback and the OAuth provider's authorize and token endpoints (DESIGN.md).
  app.setGlobalPrefix(API_PREFIX, {
    exclude: [
      'healthz',
      'readyz',
      'metrics',
      'divar/session/{*token}',
      'oauth/:platform/callback',
      'oauth/authorize',
      'oauth/token',
      // The web chat widget's public API, called from the iframe on a business's page.
      'widget/v1/{*splat}',
      // A call link's page for a platform customer, and its two REST calls.
      'call/{*splat}',
    ],
  });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Parley agent API')
      .setDescription(
        'REST contract of the Parley inbox. JSON fields are snake_case; errors are {statusCode, code, message}.',
      )
      .setVersion('1')
      .addBearerAuth()
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'pk_live_… or poa_…',
          description:
            'A workspace API key, or an installed OAuth app’s access token (from `POST /oauth/token`), sent as `Authorization: Bearer <key>`. It reaches only the operations that list it in `x-parley-scopes`, and only with those scopes.',
        },
        'api-key',
      )
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document);
}
