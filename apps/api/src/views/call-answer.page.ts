import { escapeHtml } from './divar-session.page';
import { CallPageLocale, layout } from './call-link.page';

/**
 * The call page in its answer role (`/call/answer/<token>`): a website visitor answers an agent's
 * call back. Same page shell, style, CSP and script (CALL_PAGE_SCRIPT, in its callee role) as a
 * call link's page; the visitor is the callee here, so the agent makes the offer and this page
 * answers it.
 */
const TEXTS = {
  en: {
    title: 'Voice call',
    intro: '{name} from the support team is calling you. Your browser will ask to use your microphone.',
    answer: 'Answer',
    decline: 'Decline',
    hangup: 'Hang up',
    ringing: 'Ringing…',
    starting: 'Connecting…',
    active: 'Connected',
    reconnecting: 'Reconnecting…',
    ended: 'Call ended. Thank you!',
    missed: 'The call was not answered in time.',
    rejected: 'You declined the call.',
    cancelled: 'The agent ended the call before it was answered.',
    busy: 'You are already in another call.',
    failed: 'The call could not connect.',
    microphone_denied: 'Microphone access was refused. Allow the microphone for this page, then try again.',
    microphone_missing: 'No microphone was found. Connect one and try again.',
    microphone_failed: 'The microphone could not be started. Close other apps using it and try again.',
    webrtc_unsupported: 'This browser cannot make voice calls. Use a current Chrome, Firefox or Safari.',
    error: 'Something went wrong. Please try again.',
    invalid: 'This call has ended or its link has expired.',
  },
  fa: {
    title: 'تماس صوتی',
    intro: '{name} از تیم پشتیبانی با شما تماس گرفته است. مرورگر برای استفاده از میکروفون اجازه می‌خواهد.',
    answer: 'پاسخ',
    decline: 'رد تماس',
    hangup: 'قطع تماس',
    ringing: 'در حال زنگ خوردن…',
    starting: 'در حال اتصال…',
    active: 'متصل',
    reconnecting: 'در حال اتصال دوباره…',
    ended: 'تماس پایان یافت. سپاس!',
    missed: 'تماس به‌موقع پاسخ داده نشد.',
    rejected: 'تماس را رد کردید.',
    cancelled: 'همکار ما پیش از پاسخ، تماس را قطع کرد.',
    busy: 'شما هم‌اکنون در تماس دیگری هستید.',
    failed: 'تماس برقرار نشد.',
    microphone_denied: 'دسترسی به میکروفون رد شد. اجازهٔ میکروفون را برای این صفحه بدهید و دوباره تلاش کنید.',
    microphone_missing: 'میکروفونی پیدا نشد. یکی وصل کنید و دوباره تلاش کنید.',
    microphone_failed:
      'میکروفون راه‌اندازی نشد. برنامه‌های دیگری را که از آن استفاده می‌کنند ببندید و دوباره تلاش کنید.',
    webrtc_unsupported:
      'این مرورگر نمی‌تواند تماس صوتی برقرار کند. از نسخهٔ تازهٔ Chrome، Firefox یا Safari استفاده کنید.',
    error: 'مشکلی پیش آمد. لطفاً دوباره تلاش کنید.',
    invalid: 'این تماس پایان یافته یا پیوند آن منقضی شده است.',
  },
  ar: {
    title: 'مكالمة صوتية',
    intro: '{name} من فريق الدعم يتصل بك. سيطلب المتصفح استخدام الميكروفون.',
    answer: 'رد',
    decline: 'رفض',
    hangup: 'إنهاء المكالمة',
    ringing: 'يرنّ…',
    starting: 'جارٍ الاتصال…',
    active: 'متصل',
    reconnecting: 'جارٍ إعادة الاتصال…',
    ended: 'انتهت المكالمة. شكرًا لك!',
    missed: 'لم يُرد على المكالمة في الوقت المحدد.',
    rejected: 'لقد رفضت المكالمة.',
    cancelled: 'أنهى الموظف المكالمة قبل الرد عليها.',
    busy: 'أنت في مكالمة أخرى بالفعل.',
    failed: 'تعذّر الاتصال.',
    microphone_denied: 'رُفض الوصول إلى الميكروفون. اسمح بالميكروفون لهذه الصفحة ثم حاول مجددًا.',
    microphone_missing: 'لم يُعثر على ميكروفون. وصّل ميكروفونًا وحاول مجددًا.',
    microphone_failed: 'تعذّر تشغيل الميكروفون. أغلق التطبيقات الأخرى التي تستخدمه وحاول مجددًا.',
    webrtc_unsupported:
      'لا يستطيع هذا المتصفح إجراء مكالمات صوتية. استخدم إصدارًا حديثًا من Chrome أو Firefox أو Safari.',
    error: 'حدث خطأ. يُرجى المحاولة مجددًا.',
    invalid: 'انتهت هذه المكالمة أو انتهت صلاحية رابطها.',
  },
} satisfies Record<CallPageLocale, Record<string, string>>;

export function renderAnswerPage(
  locale: CallPageLocale,
  token: string,
  callId: string,
  status: string,
  agentName: string,
): string {
  const t = TEXTS[locale];
  return layout(
    locale,
    `<section id="call-app" data-role="callee" data-token="${escapeHtml(token)}" data-call-id="${escapeHtml(callId)}" data-texts="${escapeHtml(JSON.stringify(t))}" data-state="${escapeHtml(status)}" data-bytes-received="0" data-ice-restarts="0" data-reconnecting="false">
<h1>${escapeHtml(t.title)}</h1>
<p dir="auto">${escapeHtml(t.intro.replace('{name}', agentName))}</p>
<p id="status" role="status" aria-live="polite"></p>
<button type="button" id="call">${escapeHtml(t.answer)}</button>
<button type="button" id="hangup">${escapeHtml(t.decline)}</button>
</section>
<script src="/call/answer/${escapeHtml(token)}/answer.js"></script>`,
  );
}

export function renderInvalidAnswerPage(locale: CallPageLocale): string {
  return layout(
    locale,
    `<section><h1>${escapeHtml(TEXTS[locale].title)}</h1><p class="error" role="alert" data-testid="invalid">${escapeHtml(TEXTS[locale].invalid)}</p></section>`,
  );
}
