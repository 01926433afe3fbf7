/** Apps acting on a workspace with an API key: the scopes a key may hold and what the API answers. */

/** Every scope a key may hold; a route an app may call declares the one it needs. */
export const API_KEY_SCOPES = [
  'conversations:read',
  'conversations:write',
  'messages:read',
  'messages:write',
  'contacts:read',
  'contacts:write',
  'webhooks:manage',
  'actions:manage',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The dashboard's languages. */
type ScopeText = Record<'en' | 'fa' | 'ar', string>;

/** What each scope allows, in the admin's language (the dashboard's checkboxes, the README's table). */
export const API_KEY_SCOPE_DESCRIPTIONS: Record<ApiKeyScope, ScopeText> = {
  'conversations:read': {
    en: 'List and read conversations',
    fa: 'فهرست و خواندن گفتگوها',
    ar: 'عرض المحادثات وقراءتها',
  },
  'conversations:write': {
    en: 'Change a conversation’s status and assignee',
    fa: 'تغییر وضعیت و مسئول گفتگو',
    ar: 'تغيير حالة المحادثة والمسؤول عنها',
  },
  'messages:read': {
    en: 'Read the messages of conversations',
    fa: 'خواندن پیام‌های گفتگوها',
    ar: 'قراءة رسائل المحادثات',
  },
  'messages:write': {
    en: 'Send replies and private notes',
    fa: 'ارسال پاسخ و یادداشت خصوصی',
    ar: 'إرسال الردود والملاحظات الخاصة',
  },
  'contacts:read': {
    en: 'List and read contacts',
    fa: 'فهرست و خواندن مخاطبان',
    ar: 'عرض جهات الاتصال وقراءتها',
  },
  'contacts:write': {
    en: 'Create and edit contacts',
    fa: 'ایجاد و ویرایش مخاطبان',
    ar: 'إنشاء جهات الاتصال وتعديلها',
  },
  'webhooks:manage': {
    en: 'Manage event webhooks',
    fa: 'مدیریت وب‌هوک‌های رویداد',
    ar: 'إدارة خطافات الويب للأحداث',
  },
  'actions:manage': {
    en: 'Declare the app’s actions in conversations',
    fa: 'تعریف کنش‌های برنامه در گفتگوها',
    ar: 'تعريف إجراءات التطبيق في المحادثات',
  },
};

/** Every key starts so: a leaked one is recognisable (secret scanners, logs) at a glance. */
export const API_KEY_PREFIX = 'pk_live_';

/** A key as the admin's list shows it: never the key itself. */
export interface ApiKeyView {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  created_at: string;
  created_by: { id: string; name: string } | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** The answer to creating a key: the only time `key` is shown. */
export interface ApiKeyCreatedView extends ApiKeyView {
  key: string;
}
