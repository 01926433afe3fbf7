import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { ENTITIES } from '@parley/database/entities';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { RateLimitService } from '@parley/security/rate-limit.service';
import { RequestBudgetService } from '@parley/security/request-budget.service';
import { SecurityEventService } from '@parley/security/security-event.service';
import { SecurityPolicyService } from '@parley/security/security-policy.service';
import { SpamService } from '@parley/security/spam.service';
import { TrustedAddressService } from '@parley/security/trusted-address.service';
import { ConnectionSlots } from '@parley/security/connection-slots';
import { AppActionService } from './apps/app-action.service';
import { AppCardService } from './apps/app-card.service';
import { AgentService } from './services/agent.service';
import { CallHistoryService } from './calls/call-history.service';
import { CallLinkService } from './calls/call-link.service';
import { CallSignalService } from './calls/call-signal.service';
import { CallStartService } from './calls/call-start.service';
import { CallStateService } from './calls/call-state.service';
import { CallAnswerService } from './calls/call-answer.service';
import { VisitorPresenceService } from './calls/visitor-presence.service';
import { BotHandoffService } from './services/bot-handoff.service';
import { BotService } from './services/bot.service';
import { ApiKeyService } from './services/api-key.service';
import { AuthService } from './services/auth.service';
import { ChannelStatusService } from './services/channel-status.service';
import { ChannelService } from './services/channel.service';
import { ChannelOAuthService } from './services/channel-oauth.service';
import { ContactService } from './services/contact.service';
import { ConversationService } from './services/conversation.service';
import { CredentialsCipher } from './services/credentials-cipher';
import { EventService } from './services/event.service';
import { DeliveryService } from './services/delivery.service';
import { DivarSessionService } from './services/divar-session.service';
import { InboundMessageService } from './services/inbound-message.service';
import { InboundService } from './services/inbound.service';
import { InboundUpdateLog } from './services/inbound-update-log';
import { IngestService } from './services/ingest.service';
import { InboundEchoService } from './services/inbound-echo.service';
import { SendsInFlight } from './services/sends-in-flight';
import { MediaLinkService } from './services/media-link.service';
import { MediaService } from './services/media.service';
import { MessageDeletionService } from './services/message-deletion.service';
import { MessageQueryService } from './services/message-query.service';
import { MessageService } from './services/message.service';
import { PlatformChangeService } from './services/platform-change.service';
import { RetentionService } from './services/retention.service';
import { JWT_ALGORITHM, jwtKey, TokenService } from './services/token.service';
import { UploadService } from './services/upload.service';
import { OAuthAppService } from './oauth/oauth-app.service';
import { OAuthAuthorizationService } from './oauth/oauth-authorization.service';
import { OAuthInstallationService } from './oauth/oauth-installation.service';
import { OAuthTokenService } from './oauth/oauth-token.service';
import { WebhookService } from './webhooks/webhook.service';
import { WebhookUrlPolicy } from './webhooks/webhook-url.policy';
import { Clock } from './clock';
import { AutomaticMessageService } from './business-hours/automatic-message.service';
import { BusinessHoursService } from './business-hours/business-hours.service';
import { CsatService } from './reports/csat.service';
import { CsatCommentService } from './reports/csat-comment.service';
import { ReportService } from './reports/report.service';
import { SlaService } from './reports/sla.service';
import { LabelService } from './services/label.service';
import { TeamService } from './services/team.service';
import { CannedAttachmentService } from './services/canned-attachment.service';
import { CannedResponseService } from './services/canned-response.service';
import { ConversationBulkService } from './services/conversation-bulk.service';
import { SavedViewService } from './search/saved-view.service';
import { SearchService } from './search/search.service';
import { WorkspaceService } from './services/workspace.service';
import { ContactAttributeService } from './contacts/contact-attribute.service';
import { ContactImportService } from './contacts/contact-import.service';
import { ContactExportService } from './contacts/contact-export.service';
import { ContactMatchService } from './contacts/contact-match.service';
import { ContactInvitationService } from './contacts/contact-invitation.service';
import { ContactMergeService } from './contacts/contact-merge.service';

const SERVICES = [
  AgentService,
  AppActionService,
  AppCardService,
  ApiKeyService,
  BotService,
  BotHandoffService,
  AuthService,
  ChannelService,
  ChannelStatusService,
  ChannelOAuthService,
  ContactService,
  ConversationService,
  CredentialsCipher,
  EventService,
  MessageService,
  MessageQueryService,
  MessageDeletionService,
  RetentionService,
  TokenService,
  DeliveryService,
  PlatformChangeService,
  DivarSessionService,
  InboundService,
  InboundMessageService,
  InboundEchoService,
  SendsInFlight,
  InboundUpdateLog,
  IngestService,
  MediaService,
  MediaLinkService,
  UploadService,
  WebhookService,
  WebhookUrlPolicy,
  OAuthAppService,
  OAuthAuthorizationService,
  OAuthInstallationService,
  OAuthTokenService,
  SecurityEventService,
  SecurityPolicyService,
  RateLimitService,
  RequestBudgetService,
  SpamService,
  IpGuardService,
  TrustedAddressService,
  ConnectionSlots,
  OutboundQueue,
  PlatformRegistry,
  Clock,
  BusinessHoursService,
  AutomaticMessageService,
  CsatService,
  CsatCommentService,
  SlaService,
  ReportService,
  LabelService,
  TeamService,
  CannedResponseService,
  CannedAttachmentService,
  ConversationBulkService,
  SearchService,
  SavedViewService,
  CallStateService,
  CallStartService,
  CallHistoryService,
  CallSignalService,
  CallLinkService,
  CallAnswerService,
  VisitorPresenceService,
  WorkspaceService,
  ContactAttributeService,
  ContactImportService,
  ContactExportService,
  ContactMatchService,
  ContactInvitationService,
  ContactMergeService,
];

/** The conversation domain: no HTTP, no WebSocket, no platform. */
@Module({
  imports: [
    TypeOrmModule.forFeature(ENTITIES),
    JwtModule.registerAsync({
      inject: [CONFIG],
      useFactory: (config: AppConfig) => {
        const key = jwtKey(config.jwt.secret);
        return {
          secretOrKeyProvider: () => key,
          signOptions: {
            algorithm: JWT_ALGORITHM,
            issuer: config.jwt.issuer,
            audience: config.jwt.audience,
            expiresIn: config.jwt.accessTtlSeconds,
          },
          verifyOptions: {
            algorithms: [JWT_ALGORITHM],
            issuer: config.jwt.issuer,
            audience: config.jwt.audience,
          },
        };
      },
    }),
  ],
  providers: SERVICES,
  exports: SERVICES,
})
export class DomainModule {}
