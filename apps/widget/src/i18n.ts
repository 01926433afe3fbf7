import type { WidgetLanguage } from '@parley/contract/widget';

/** The frame's words in en, fa and ar; fa and ar run right to left. */
const en = {
  title: 'Chat with us',
  close: 'Close chat',
  online: 'We are online',
  offline: 'We are away right now',
  offlineNote: 'Nobody is online. Leave your e-mail or phone and we will answer there.',
  answersWithin: 'Usually answers within {t}',
  minutes: '{n} min',
  hours: '{n} h',
  placeholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  record: 'Record a voice note',
  stopRecording: 'Stop and send',
  recording: 'Recording…',
  typing: '{name} is typing…',
  delivered: 'Delivered',
  read: 'Read',
  sending: 'Sending',
  failed: 'Not sent',
  edited: 'edited',
  deleted: 'This message was deleted',
  name: 'Name',
  email: 'E-mail',
  phone: 'Phone',
  start: 'Start the chat',
  save: 'Save',
  saved: 'Thanks, we will get back to you.',
  reconnecting: 'Reconnecting…',
  call: 'Call us',
  newMessage: 'New message',
  uploading: 'Uploading {p}%',
  error: 'Something went wrong. Please try again.',
  refused: 'This chat is not available on this site.',
  voiceNote: 'Voice note',
  rated: 'Thanks for your rating!',
  incomingCall: '{name} from our team is calling you',
  answer: 'Answer',
  decline: 'Decline',
  commentLabel: 'Tell us more (optional)',
  commentSend: 'Send comment',
  commented: 'Thanks, we got your comment.',
  commentFailed: 'Your comment could not be sent.',
};
type Strings = typeof en;

const fa: Strings = {
  title: 'گفت‌وگو با ما',
  close: 'بستن گفت‌وگو',
  online: 'ما آنلاین هستیم',
  offline: 'الان کسی در دسترس نیست',
  offlineNote: 'کسی آنلاین نیست. ایمیل یا شماره‌تان را بگذارید تا همان‌جا پاسخ دهیم.',
  answersWithin: 'معمولاً در {t} پاسخ می‌دهیم',
  minutes: '{n} دقیقه',
  hours: '{n} ساعت',
  placeholder: 'پیامی بنویسید…',
  send: 'ارسال',
  attach: 'پیوست فایل',
  record: 'ضبط پیام صوتی',
  stopRecording: 'توقف و ارسال',
  recording: 'در حال ضبط…',
  typing: '{name} در حال نوشتن است…',
  delivered: 'رسید',
  read: 'خوانده شد',
  sending: 'در حال ارسال',
  failed: 'ارسال نشد',
  edited: 'ویرایش‌شده',
  deleted: 'این پیام حذف شد',
  name: 'نام',
  email: 'ایمیل',
  phone: 'تلفن',
  start: 'شروع گفت‌وگو',
  save: 'ذخیره',
  saved: 'ممنون، با شما تماس می‌گیریم.',
  reconnecting: 'در حال اتصال دوباره…',
  call: 'تماس صوتی با ما',
  newMessage: 'پیام تازه',
  uploading: 'در حال بارگذاری {p}٪',
  error: 'مشکلی پیش آمد. دوباره تلاش کنید.',
  refused: 'این گفت‌وگو در این سایت در دسترس نیست.',
  voiceNote: 'پیام صوتی',
  rated: 'از امتیاز شما سپاسگزاریم!',
  incomingCall: '{name} از تیم ما با شما تماس گرفته است',
  answer: 'پاسخ',
  decline: 'رد تماس',
  commentLabel: 'بیشتر بگویید (اختیاری)',
  commentSend: 'ارسال نظر',
  commented: 'ممنون، نظر شما رسید.',
  commentFailed: 'نظر شما فرستاده نشد.',
};

const ar: Strings = {
  title: 'تحدث معنا',
  close: 'إغلاق المحادثة',
  online: 'نحن متصلون',
  offline: 'لا أحد متاح الآن',
  offlineNote: 'لا أحد متصل الآن. اترك بريدك أو هاتفك وسنرد عليك هناك.',
  answersWithin: 'نرد عادةً خلال {t}',
  minutes: '{n} دقيقة',
  hours: '{n} ساعة',
  placeholder: 'اكتب رسالة…',
  send: 'إرسال',
  attach: 'إرفاق ملف',
  record: 'تسجيل رسالة صوتية',
  stopRecording: 'إيقاف وإرسال',
  recording: 'جارٍ التسجيل…',
  typing: '{name} يكتب…',
  delivered: 'تم التسليم',
  read: 'مقروءة',
  sending: 'جارٍ الإرسال',
  failed: 'لم تُرسل',
  edited: 'معدّلة',
  deleted: 'حُذفت هذه الرسالة',
  name: 'الاسم',
  email: 'البريد الإلكتروني',
  phone: 'الهاتف',
  start: 'ابدأ المحادثة',
  save: 'حفظ',
  saved: 'شكرًا، سنعود إليك.',
  reconnecting: 'جارٍ إعادة الاتصال…',
  call: 'اتصل بنا صوتيًا',
  newMessage: 'رسالة جديدة',
  uploading: 'جارٍ الرفع {p}٪',
  error: 'حدث خطأ. حاول مرة أخرى.',
  refused: 'هذه المحادثة غير متاحة على هذا الموقع.',
  voiceNote: 'رسالة صوتية',
  rated: 'شكرًا على تقييمك!',
  incomingCall: '{name} من فريقنا يتصل بك',
  answer: 'رد',
  decline: 'رفض',
  commentLabel: 'أخبرنا بالمزيد (اختياري)',
  commentSend: 'أرسل التعليق',
  commented: 'شكرًا، وصلنا تعليقك.',
  commentFailed: 'تعذّر إرسال تعليقك.',
};

export const STRINGS: Record<WidgetLanguage, Strings> = { en, fa, ar };
export type StringKey = keyof Strings;

/** The language to speak: the host page's `data-language`, else the browser's, when the channel offers it. */
export function pickLanguage(
  offered: readonly WidgetLanguage[],
  asked: string | null,
  browser: readonly string[],
): WidgetLanguage {
  const offer = offered.length ? offered : (['en'] as const);
  for (const candidate of [asked, ...browser]) {
    const base = candidate?.toLowerCase().split('-')[0];
    const hit = offer.find((l) => l === base);
    if (hit) return hit;
  }
  return offer[0];
}

export const isRtl = (language: WidgetLanguage) => language === 'fa' || language === 'ar';

export function translator(language: WidgetLanguage) {
  const table = STRINGS[language];
  return (key: StringKey, values: Record<string, string | number> = {}) =>
    table[key].replace(/\{(\w+)\}/g, (_, name: string) => String(values[name] ?? ''));
}
