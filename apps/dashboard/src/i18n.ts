import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { session } from './api/session';

const en = {
  brand: 'Parley',
  nav: { inbox: 'Inbox', agents: 'Agents', channels: 'Channels', security: 'Security', signOut: 'Sign out', language: 'Language', availability: 'My availability', main: 'Main navigation' },
  auth: {
    signIn: 'Sign in', signUp: 'Create a workspace', email: 'Email', password: 'Password', name: 'Your name',
    workspaceName: 'Workspace name', noAccount: 'New here? Create a workspace', haveAccount: 'Already have an account? Sign in',
    tagline: 'Every Telegram and Instagram conversation, answered live.',
  },
  banner: { reconnecting: 'Reconnecting…', signedOut: 'Your session ended. Please sign in again.' },
  inbox: {
    mine: 'Mine', unassigned: 'Unassigned', all: 'All', anyStatus: 'Any status', search: 'Search by name or username',
    empty: 'No conversations here yet.', pick: 'Pick a conversation to start answering.', list: 'Conversations',
    unread_one: '{{n}} unread', unread_other: '{{n}} unread', back: 'Back to conversations', loadMore: 'Load more',
    filters: 'Filters',
  },
  status: { open: 'Open', support_active: 'Active', pending: 'Pending', resolved: 'Resolved', label: 'Status' },
  assign: { label: 'Assignee', nobody: 'Unassigned', me: 'Assign to me' },
  message: {
    sending: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Failed', retry: 'Retry',
    edit: 'Edit', delete: 'Delete', reply: 'Reply', react: 'React', save: 'Save', cancel: 'Cancel', edited: 'edited',
    deleted: 'This message was deleted.', note: 'Private note', replyingTo: 'Replying to', typing: '{{name}} is typing…',
    spam: 'Flagged as spam: {{reason}}', older: 'Loading older messages…', history: 'Message history',
    noteToggle: 'Private note', send: 'Send', placeholder: 'Write a reply…', notePlaceholder: 'Write a private note for your team…',
    attachImage: 'Send an image', record: 'Record a voice note', stop: 'Stop and send', play: 'Play', pause: 'Pause',
    voice: 'Voice message', image: 'Image', file: 'File', confirmDelete: 'Delete this message?', notSent: 'Not connected: your message was not sent.',
    pendingMedia: 'Downloading…', you: 'You', contact: 'Customer', actions: 'Message actions', progress: 'Playback progress', mention: 'Mention a teammate',
  },
  presence: { online: 'Online', away: 'Away', offline: 'Offline', lastSeen: 'last seen {{time}}', team: 'Team' },
  window: { left: '{{time}} left to reply (Instagram 24-hour window)', closed: 'Instagram 24-hour window closed: replies are sent with the HUMAN_AGENT tag for up to 7 days.', expired: 'Instagram window closed: the customer must write first.' },
  notify: {
    assignment: 'Assigned to you: {{name}}', new_conversation: 'New conversation: {{name}}', mention: 'You were mentioned in a conversation',
    channel_reauthorization_required: 'Channel {{name}} needs to be reconnected', dismiss: 'Dismiss', region: 'Notifications',
  },
  agents: {
    title: 'Agents', invite: 'Invite', inviteTitle: 'Invite an agent', role: 'Role', admin: 'Admin', agent: 'Agent', deactivate: 'Deactivate',
    activate: 'Reactivate', active: 'Active', inactive: 'Deactivated', pending: 'Invitation pending', name: 'Name', email: 'Email',
    inviteLink: 'Send this invitation link to {{email}}:', actions: 'Actions',
  },
  channels: {
    title: 'Channels', telegram: 'Connect a Telegram bot', instagram: 'Connect Instagram', name: 'Name', botToken: 'Bot token (from @BotFather)',
    igUserId: 'Instagram account id', accessToken: 'Page access token', connect: 'Connect', webhook: 'Webhook', status: 'Status', type: 'Type',
  },
  security: {
    title: 'Security', hours: 'Period', lastHours: 'Last {{n}} hours', failedLogins: 'Failed logins', rateLimits: 'Rate-limit hits', spam: 'Spam caught',
    blacklisted: 'Blacklisted IPs', refused: 'Connections refused', overTime: 'Over time', topIps: 'Top IPs', topAgents: 'Top agents',
    blacklist: 'Blacklist', unblock: 'Unblock', expires: 'Blocked until', failures: 'Failures', ip: 'IP', live: 'Live sockets',
    connections: 'Connections', perMinute: 'Messages / min', activity: 'Agent activity', sent: 'Messages sent', failed: 'Failed sends',
    events: 'Security events', recent: 'Recent events', none: 'Nothing to show.', count: 'Count', kind: 'Kind', time: 'Time', total: 'Total sockets: {{n}}',
    chooseAgent: 'Choose an agent',
  },
  common: { loading: 'Loading…', error: 'Something went wrong.', network_error: 'Cannot reach Parley. Check your connection.', close: 'Close' },
};

type Dict = typeof en;

const fa: Dict = {
  brand: 'پارلی',
  nav: { inbox: 'صندوق', agents: 'پشتیبان‌ها', channels: 'کانال‌ها', security: 'امنیت', signOut: 'خروج', language: 'زبان', availability: 'وضعیت من', main: 'ناوبری اصلی' },
  auth: {
    signIn: 'ورود', signUp: 'ساخت فضای کاری', email: 'ایمیل', password: 'گذرواژه', name: 'نام شما',
    workspaceName: 'نام فضای کاری', noAccount: 'تازه‌وارد هستید؟ یک فضای کاری بسازید', haveAccount: 'حساب دارید؟ وارد شوید',
    tagline: 'همهٔ گفتگوهای تلگرام و اینستاگرام، زنده پاسخ داده می‌شوند.',
  },
  banner: { reconnecting: 'در حال اتصال دوباره…', signedOut: 'نشست شما پایان یافت. لطفاً دوباره وارد شوید.' },
  inbox: {
    mine: 'مال من', unassigned: 'بدون مسئول', all: 'همه', anyStatus: 'هر وضعیتی', search: 'جستجو با نام یا نام کاربری',
    empty: 'هنوز گفتگویی اینجا نیست.', pick: 'یک گفتگو را برای پاسخ دادن انتخاب کنید.', list: 'گفتگوها',
    unread_one: '{{n}} خوانده‌نشده', unread_other: '{{n}} خوانده‌نشده', back: 'بازگشت به گفتگوها', loadMore: 'بیشتر',
    filters: 'فیلترها',
  },
  status: { open: 'باز', support_active: 'در حال پاسخ', pending: 'در انتظار مشتری', resolved: 'حل‌شده', label: 'وضعیت' },
  assign: { label: 'مسئول', nobody: 'بدون مسئول', me: 'به من بسپار' },
  message: {
    sending: 'در حال ارسال', sent: 'ارسال شد', delivered: 'رسید', read: 'خوانده شد', failed: 'ناموفق', retry: 'تلاش دوباره',
    edit: 'ویرایش', delete: 'حذف', reply: 'پاسخ', react: 'واکنش', save: 'ذخیره', cancel: 'انصراف', edited: 'ویرایش‌شده',
    deleted: 'این پیام حذف شد.', note: 'یادداشت خصوصی', replyingTo: 'در پاسخ به', typing: '{{name}} در حال نوشتن است…',
    spam: 'به‌عنوان هرزنامه علامت خورد: {{reason}}', older: 'در حال بارگیری پیام‌های قدیمی‌تر…', history: 'تاریخچهٔ پیام‌ها',
    noteToggle: 'یادداشت خصوصی', send: 'ارسال', placeholder: 'پاسخی بنویسید…', notePlaceholder: 'یادداشتی خصوصی برای تیم بنویسید…',
    attachImage: 'ارسال تصویر', record: 'ضبط پیام صوتی', stop: 'توقف و ارسال', play: 'پخش', pause: 'مکث',
    voice: 'پیام صوتی', image: 'تصویر', file: 'فایل', confirmDelete: 'این پیام حذف شود؟', notSent: 'اتصال برقرار نیست: پیام شما ارسال نشد.',
    pendingMedia: 'در حال دریافت…', you: 'شما', contact: 'مشتری', actions: 'کارهای پیام', progress: 'پیشرفت پخش', mention: 'نام بردن از یک هم‌تیمی',
  },
  presence: { online: 'آنلاین', away: 'دور از کار', offline: 'آفلاین', lastSeen: 'آخرین بازدید {{time}}', team: 'تیم' },
  window: { left: '{{time}} تا پایان پنجرهٔ ۲۴ ساعتهٔ اینستاگرام', closed: 'پنجرهٔ ۲۴ ساعتهٔ اینستاگرام بسته شد: پاسخ‌ها تا ۷ روز با برچسب HUMAN_AGENT فرستاده می‌شوند.', expired: 'پنجرهٔ اینستاگرام بسته است: مشتری باید اول پیام دهد.' },
  notify: {
    assignment: 'به شما سپرده شد: {{name}}', new_conversation: 'گفتگوی تازه: {{name}}', mention: 'در یک گفتگو از شما نام برده شد',
    channel_reauthorization_required: 'کانال {{name}} باید دوباره متصل شود', dismiss: 'بستن', region: 'اعلان‌ها',
  },
  agents: {
    title: 'پشتیبان‌ها', invite: 'دعوت', inviteTitle: 'دعوت یک پشتیبان', role: 'نقش', admin: 'مدیر', agent: 'پشتیبان', deactivate: 'غیرفعال‌سازی',
    activate: 'فعال‌سازی دوباره', active: 'فعال', inactive: 'غیرفعال', pending: 'در انتظار پذیرش دعوت', name: 'نام', email: 'ایمیل',
    inviteLink: 'این پیوند دعوت را برای {{email}} بفرستید:', actions: 'کارها',
  },
  channels: {
    title: 'کانال‌ها', telegram: 'اتصال ربات تلگرام', instagram: 'اتصال اینستاگرام', name: 'نام', botToken: 'توکن ربات (از @BotFather)',
    igUserId: 'شناسهٔ حساب اینستاگرام', accessToken: 'توکن دسترسی صفحه', connect: 'اتصال', webhook: 'وب‌هوک', status: 'وضعیت', type: 'نوع',
  },
  security: {
    title: 'امنیت', hours: 'بازه', lastHours: '{{n}} ساعت گذشته', failedLogins: 'ورودهای ناموفق', rateLimits: 'برخورد با محدودیت نرخ', spam: 'هرزنامه‌های گرفته‌شده',
    blacklisted: 'IPهای مسدود', refused: 'اتصال‌های ردشده', overTime: 'در طول زمان', topIps: 'IPهای پرتکرار', topAgents: 'پشتیبان‌های پرتکرار',
    blacklist: 'فهرست سیاه', unblock: 'رفع انسداد', expires: 'مسدود تا', failures: 'شکست‌ها', ip: 'IP', live: 'سوکت‌های زنده',
    connections: 'اتصال‌ها', perMinute: 'پیام در دقیقه', activity: 'فعالیت پشتیبان', sent: 'پیام‌های ارسالی', failed: 'ارسال‌های ناموفق',
    events: 'رویدادهای امنیتی', recent: 'رویدادهای اخیر', none: 'چیزی برای نمایش نیست.', count: 'تعداد', kind: 'نوع', time: 'زمان', total: 'مجموع سوکت‌ها: {{n}}',
    chooseAgent: 'یک پشتیبان را انتخاب کنید',
  },
  common: { loading: 'در حال بارگیری…', error: 'مشکلی پیش آمد.', network_error: 'به پارلی دسترسی نیست. اتصال خود را بررسی کنید.', close: 'بستن' },
};

const ar: Dict = {
  brand: 'بارلي',
  nav: { inbox: 'صندوق الوارد', agents: 'الموظفون', channels: 'القنوات', security: 'الأمان', signOut: 'تسجيل الخروج', language: 'اللغة', availability: 'حالتي', main: 'التنقل الرئيسي' },
  auth: {
    signIn: 'تسجيل الدخول', signUp: 'إنشاء مساحة عمل', email: 'البريد الإلكتروني', password: 'كلمة المرور', name: 'اسمك',
    workspaceName: 'اسم مساحة العمل', noAccount: 'جديد هنا؟ أنشئ مساحة عمل', haveAccount: 'لديك حساب؟ سجّل الدخول',
    tagline: 'كل محادثات تيليجرام وإنستغرام، يُرد عليها مباشرة.',
  },
  banner: { reconnecting: 'جارٍ إعادة الاتصال…', signedOut: 'انتهت جلستك. يرجى تسجيل الدخول مرة أخرى.' },
  inbox: {
    mine: 'محادثاتي', unassigned: 'غير مسندة', all: 'الكل', anyStatus: 'أي حالة', search: 'ابحث بالاسم أو اسم المستخدم',
    empty: 'لا توجد محادثات هنا بعد.', pick: 'اختر محادثة لبدء الرد.', list: 'المحادثات',
    unread_one: '{{n}} غير مقروءة', unread_other: '{{n}} غير مقروءة', back: 'العودة إلى المحادثات', loadMore: 'المزيد',
    filters: 'عوامل التصفية',
  },
  status: { open: 'مفتوحة', support_active: 'قيد المعالجة', pending: 'بانتظار العميل', resolved: 'محلولة', label: 'الحالة' },
  assign: { label: 'المسؤول', nobody: 'غير مسندة', me: 'أسندها إليّ' },
  message: {
    sending: 'جارٍ الإرسال', sent: 'أُرسلت', delivered: 'وصلت', read: 'قُرئت', failed: 'فشلت', retry: 'إعادة المحاولة',
    edit: 'تعديل', delete: 'حذف', reply: 'رد', react: 'تفاعل', save: 'حفظ', cancel: 'إلغاء', edited: 'معدّلة',
    deleted: 'حُذفت هذه الرسالة.', note: 'ملاحظة خاصة', replyingTo: 'ردًا على', typing: '{{name}} يكتب…',
    spam: 'صُنّفت رسالة مزعجة: {{reason}}', older: 'جارٍ تحميل الرسائل الأقدم…', history: 'سجل الرسائل',
    noteToggle: 'ملاحظة خاصة', send: 'إرسال', placeholder: 'اكتب ردًا…', notePlaceholder: 'اكتب ملاحظة خاصة لفريقك…',
    attachImage: 'إرسال صورة', record: 'تسجيل رسالة صوتية', stop: 'إيقاف وإرسال', play: 'تشغيل', pause: 'إيقاف مؤقت',
    voice: 'رسالة صوتية', image: 'صورة', file: 'ملف', confirmDelete: 'هل تريد حذف هذه الرسالة؟', notSent: 'غير متصل: لم تُرسل رسالتك.',
    pendingMedia: 'جارٍ التنزيل…', you: 'أنت', contact: 'العميل', actions: 'إجراءات الرسالة', progress: 'تقدم التشغيل', mention: 'الإشارة إلى زميل',
  },
  presence: { online: 'متصل', away: 'بعيد', offline: 'غير متصل', lastSeen: 'آخر ظهور {{time}}', team: 'الفريق' },
  window: { left: 'تبقّى {{time}} للرد (نافذة إنستغرام 24 ساعة)', closed: 'أُغلقت نافذة إنستغرام (24 ساعة): تُرسل الردود بوسم HUMAN_AGENT لمدة تصل إلى 7 أيام.', expired: 'نافذة إنستغرام مغلقة: يجب أن يكتب العميل أولًا.' },
  notify: {
    assignment: 'أُسندت إليك: {{name}}', new_conversation: 'محادثة جديدة: {{name}}', mention: 'تمت الإشارة إليك في محادثة',
    channel_reauthorization_required: 'القناة {{name}} تحتاج إلى إعادة ربط', dismiss: 'إغلاق', region: 'الإشعارات',
  },
  agents: {
    title: 'الموظفون', invite: 'دعوة', inviteTitle: 'دعوة موظف', role: 'الدور', admin: 'مسؤول', agent: 'موظف دعم', deactivate: 'تعطيل',
    activate: 'إعادة التفعيل', active: 'نشط', inactive: 'معطّل', pending: 'الدعوة بانتظار القبول', name: 'الاسم', email: 'البريد الإلكتروني',
    inviteLink: 'أرسل رابط الدعوة هذا إلى {{email}}:', actions: 'الإجراءات',
  },
  channels: {
    title: 'القنوات', telegram: 'ربط بوت تيليجرام', instagram: 'ربط إنستغرام', name: 'الاسم', botToken: 'رمز البوت (من @BotFather)',
    igUserId: 'معرّف حساب إنستغرام', accessToken: 'رمز وصول الصفحة', connect: 'ربط', webhook: 'الويب هوك', status: 'الحالة', type: 'النوع',
  },
  security: {
    title: 'الأمان', hours: 'الفترة', lastHours: 'آخر {{n}} ساعة', failedLogins: 'محاولات دخول فاشلة', rateLimits: 'تجاوزات حد المعدل', spam: 'رسائل مزعجة مكتشفة',
    blacklisted: 'عناوين IP محظورة', refused: 'اتصالات مرفوضة', overTime: 'عبر الزمن', topIps: 'أكثر عناوين IP', topAgents: 'أكثر الموظفين',
    blacklist: 'القائمة السوداء', unblock: 'رفع الحظر', expires: 'محظور حتى', failures: 'الإخفاقات', ip: 'IP', live: 'المقابس الحية',
    connections: 'الاتصالات', perMinute: 'رسائل / دقيقة', activity: 'نشاط الموظف', sent: 'الرسائل المرسلة', failed: 'الإرسالات الفاشلة',
    events: 'الأحداث الأمنية', recent: 'أحدث الأحداث', none: 'لا شيء لعرضه.', count: 'العدد', kind: 'النوع', time: 'الوقت', total: 'إجمالي المقابس: {{n}}',
    chooseAgent: 'اختر موظفًا',
  },
  common: { loading: 'جارٍ التحميل…', error: 'حدث خطأ ما.', network_error: 'تعذّر الوصول إلى بارلي. تحقق من اتصالك.', close: 'إغلاق' },
};

export const LANGUAGES = [
  { code: 'en', label: 'English', dir: 'ltr', locale: 'en-US' },
  { code: 'fa', label: 'فارسی', dir: 'rtl', locale: 'fa-IR' },
  { code: 'ar', label: 'العربية', dir: 'rtl', locale: 'ar' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const LANGUAGE_KEY = 'parley.language';

function initialLanguage(): Language {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  if (stored && LANGUAGES.some((l) => l.code === stored)) return stored as Language;
  const browser = navigator.language.slice(0, 2);
  return LANGUAGES.some((l) => l.code === browser) ? (browser as Language) : 'en';
}

/** Sets <html lang dir> so the whole layout flips; the api answers errors in the same language. */
function applyLanguage(code: Language): void {
  const language = LANGUAGES.find((l) => l.code === code)!;
  document.documentElement.lang = code;
  document.documentElement.dir = language.dir;
  session.language = code;
}

export function setLanguage(code: Language): void {
  localStorage.setItem(LANGUAGE_KEY, code);
  applyLanguage(code);
  void i18next.changeLanguage(code);
}

export function locale(): string {
  return LANGUAGES.find((l) => l.code === i18next.language)?.locale ?? 'en-US';
}

const start = initialLanguage();
applyLanguage(start);
void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, fa: { translation: fa }, ar: { translation: ar } },
  lng: start,
  fallbackLng: 'en',
  interpolation: { escapeValue: false }, // React escapes; content is always text
  returnNull: false,
});

export default i18next;
