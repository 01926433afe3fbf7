import { escapeHtml } from './divar-session.page';
import { CallPageLocale, layout } from './call-link.page';

/**
 * The call page in its answer role (`/call/answer/<token>`): a website visitor answers an agent's
 * call back. Same page shell, style and CSP as a call link's page; the visitor is the callee here,
 * so the agent makes the offer and this page answers it.
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
    `<section id="call-app" data-token="${escapeHtml(token)}" data-call-id="${escapeHtml(callId)}" data-texts="${escapeHtml(JSON.stringify(t))}" data-state="${escapeHtml(status)}" data-bytes-received="0">
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

/**
 * The answer page's script (plain, no build step): the call's socket from the start (so a cancel
 * or the ring timeout shows at once), then on Answer the microphone, accept, and the WebRTC side
 * of a callee: it answers the agent's offers (a new one for each ICE restart) and, when its own
 * connection fails, asks the agent to restart.
 */
export const CALL_ANSWER_SCRIPT = `(() => {
  'use strict';
  const root = document.getElementById('call-app');
  const token = root.dataset.token;
  const callId = root.dataset.callId;
  const t = JSON.parse(root.dataset.texts);
  const status = document.getElementById('status');
  const answerButton = document.getElementById('call');
  const hangButton = document.getElementById('hangup');
  const FINAL = ['ended', 'missed', 'rejected', 'cancelled', 'busy', 'failed'];
  const base = '/call/answer/' + token + '/calls/' + callId;
  let ws = null, pc = null, stream = null, pending = [], early = [], restarts = 0, statsTimer = null;
  let answered = false, done = false, chain = Promise.resolve();
  const audio = new Audio();
  audio.autoplay = true;

  const show = (state, isError) => {
    root.dataset.state = state;
    status.textContent = t[state] || t.error;
    status.className = isError ? 'error' : '';
  };
  const send = (kind, data) => {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: 'call_signal', call_id: callId, kind, data }));
  };
  const post = async (path) => {
    const response = await fetch(base + path, { method: 'POST', headers: { accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.message || 'error'), { code: body.code, text: body.message });
    return body;
  };
  const connect = () => new Promise((resolve, reject) => {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/call/?token=' + encodeURIComponent(token);
    ws = new WebSocket(url);
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('socket'));
    ws.onmessage = (event) => { try { onFrame(JSON.parse(event.data)); } catch (e) { /* not a frame */ } };
  });
  const end = (state) => {
    done = true;
    show(state, state === 'failed');
    clearInterval(statsTimer);
    if (pc) pc.close();
    pc = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    answerButton.hidden = true;
    hangButton.hidden = true;
  };
  const active = () => {
    if (root.dataset.state === 'active') return;
    show('active');
    hangButton.textContent = t.hangup;
    statsTimer = setInterval(() => void stats(), 1000);
  };
  const flush = async () => {
    for (const candidate of pending.splice(0)) await pc.addIceCandidate(candidate).catch(() => undefined);
  };
  const stats = async () => {
    if (!pc) return;
    let bytes = 0;
    (await pc.getStats()).forEach((report) => {
      if (report.type === 'inbound-rtp' && report.kind === 'audio') bytes += report.bytesReceived || 0;
    });
    root.dataset.bytesReceived = String(bytes);
  };
  const handle = async (frame) => {
    if (frame.type === 'call_state') {
      if (FINAL.includes(frame.status)) end(frame.status);
      else if (frame.status === 'active' && answered) active();
      return;
    }
    if (frame.type !== 'call_signal') return;
    // The agent offers as soon as it hears the answer, maybe before this page's accept came back.
    if (!pc) return void early.push(frame);
    const data = frame.data || {};
    if (frame.kind === 'offer' && data.sdp) {
      await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
      await flush();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      send('answer', { sdp: answer.sdp });
    } else if (frame.kind === 'ice' && data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate).catch(() => undefined);
      else pending.push(data.candidate);
    }
  };
  const onFrame = (frame) => {
    if (done || frame.call_id !== callId) return;
    chain = chain.then(() => handle(frame)).catch(() => undefined);
  };

  answerButton.addEventListener('click', async () => {
    if (typeof RTCPeerConnection === 'undefined' || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
      return show('webrtc_unsupported', true);
    answerButton.disabled = true;
    show('starting');
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (error) {
      answerButton.disabled = false;
      const name = error && error.name;
      return show(name === 'NotAllowedError' || name === 'SecurityError' ? 'microphone_denied'
        : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'microphone_missing' : 'microphone_failed', true);
    }
    try {
      if (!ws || ws.readyState !== 1) await connect();
      const accepted = await post('/accept');
      answered = true;
      pc = new RTCPeerConnection({ iceServers: accepted.ice_servers });
      stream.getAudioTracks().forEach((track) => pc.addTrack(track, stream));
      pc.ontrack = (event) => { audio.srcObject = event.streams[0]; void audio.play().catch(() => undefined); };
      pc.onicecandidate = (event) => {
        if (event.candidate) send('ice', { candidate: event.candidate.toJSON() });
      };
      pc.oniceconnectionstatechange = () => {
        if (!pc) return;
        const state = pc.iceConnectionState;
        if (state === 'connected' || state === 'completed') restarts = 0;
        if (state === 'failed') {
          if (restarts++ < 4) send('restart', {});
          else void post('/hangup?failed=1').catch(() => undefined);
        }
      };
      answerButton.hidden = true;
      active();
      for (const frame of early.splice(0)) onFrame(frame);
    } catch (error) {
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      answerButton.disabled = false;
      show('error', true);
      status.textContent = (error && error.text) || t.error;
    }
  });

  hangButton.addEventListener('click', () => {
    if (done) return;
    void post(answered ? '/hangup' : '/reject').then((call) => end(call.status), () => undefined);
  });
  window.addEventListener('pagehide', () => {
    if (answered && !done) navigator.sendBeacon(base + '/hangup');
  });

  const initial = root.dataset.state;
  if (FINAL.includes(initial)) end(initial);
  else {
    show(initial === 'active' ? 'active' : 'ringing');
    // Opened again mid-call: this page has no media of the call any more, but can end it.
    if (initial === 'active') { answered = true; answerButton.hidden = true; hangButton.textContent = t.hangup; }
    connect().catch(() => undefined);
  }
})();
`;
