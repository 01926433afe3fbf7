import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { OutboundAndMediaSweepIndexes1764100000000 } from './1764100000000-outbound-and-media-sweep-indexes';
import { MessageSpamReason1764200000000 } from './1764200000000-message-spam-reason';
import { AgentSessionsAndOperator1764400000000 } from './1764400000000-agent-sessions-and-operator';
import { CredentialsBoundToChannel1764500000000 } from './1764500000000-credentials-bound-to-channel';
import { DeletedMessagesKeepNoText1796002216573 } from './1796002216573-deleted-messages-keep-no-text';
import { EventReaderCursors1796010000000 } from './1796010000000-event-reader-cursors';
import { ChannelTypeFromRegistry1796021000000 } from './1796021000000-channel-type-from-registry';
import { InboundUpdates1796030000000 } from './1796030000000-inbound-updates';
import { ConversationAd1796040000000 } from './1796040000000-conversation-ad';
import { ChannelTokenExpiry1796040100000 } from './1796040100000-channel-token-expiry';
import { MessageButtons1796040200000 } from './1796040200000-message-buttons';
import { ChannelRetention1796041000000 } from './1796041000000-channel-retention';
import { PlatformChanges1796042000000 } from './1796042000000-platform-changes';
import { MessageAppEchoesAndStories1796043100000 } from './1796043100000-message-app-echoes-and-stories';
import { ApiKeys1796050000000 } from './1796050000000-api-keys';
import { EventWebhooks1796051000000 } from './1796051000000-event-webhooks';
import { OAuthApps1796060000000 } from './1796060000000-oauth-apps';
import { AppActions1796062000000 } from './1796062000000-app-actions';
import { Bots1796061000000 } from './1796061000000-bots';
import { WebWidget1796070000000 } from './1796070000000-web-widget';
import { WidgetInvitations1796071000000 } from './1796071000000-widget-invitations';
import { BusinessHoursSlaReportsCsat1796120000000 } from './1796120000000-business-hours-sla-reports-csat';
import { CsatComments1796170000000 } from './1796170000000-csat-comments';
import { LabelsCannedTeamsRouting1796100000000 } from './1796100000000-labels-canned-teams-routing';
import { SearchAndSavedViews1796110000000 } from './1796110000000-search-and-saved-views';
import { Calls1796080000000 } from './1796080000000-calls';
import { Contacts1796090000000 } from './1796090000000-contacts';
import { CannedResponseAttachments1796160000000 } from './1796160000000-canned-response-attachments';
import { ContactImportProgress1796091000000 } from './1796091000000-contact-import-progress';
import { ContactMergeNotesLabels1796180000000 } from './1796180000000-contact-merge-notes-labels';
import { CallVisitorCallee1796130000000 } from './1796130000000-call-visitor-callee';
import { TeamHoursAndReports1796150000000 } from './1796150000000-team-hours-and-reports';

/** Every migration in order. `npm run migration:generate` writes a new file: add its class here. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  OutboundAndMediaSweepIndexes1764100000000,
  MessageSpamReason1764200000000,
  AgentSessionsAndOperator1764400000000,
  CredentialsBoundToChannel1764500000000,
  DeletedMessagesKeepNoText1796002216573,
  EventReaderCursors1796010000000,
  ChannelTypeFromRegistry1796021000000,
  InboundUpdates1796030000000,
  ConversationAd1796040000000,
  ChannelTokenExpiry1796040100000,
  MessageButtons1796040200000,
  ChannelRetention1796041000000,
  PlatformChanges1796042000000,
  MessageAppEchoesAndStories1796043100000,
  ApiKeys1796050000000,
  EventWebhooks1796051000000,
  OAuthApps1796060000000,
  AppActions1796062000000,
  Bots1796061000000,
  WebWidget1796070000000,
  WidgetInvitations1796071000000,
  BusinessHoursSlaReportsCsat1796120000000,
  CsatComments1796170000000,
  LabelsCannedTeamsRouting1796100000000,
  SearchAndSavedViews1796110000000,
  Calls1796080000000,
  Contacts1796090000000,
  ContactImportProgress1796091000000,
  ContactMergeNotesLabels1796180000000,
  CallVisitorCallee1796130000000,
  TeamHoursAndReports1796150000000,
  CannedResponseAttachments1796160000000,
];
