import { createHash } from 'node:crypto';
import { escapeHtml } from './divar-session.page';

/** The call page's languages; the browser's (Accept-Language) picks one, English when none fits. */
export const CALL_PAGE_LOCALES = ['en', 'fa', 'ar'] as const;
export type CallPageLocale = (typeof CALL_PAGE_LOCALES)[number];

const TEXTS = {
  en: {
    title: 'Voice call',
    intro:
      'Press Call to talk to {name} from the support team. Your browser will ask to use your microphone.',
    call: 'Call',
    hangup: 'Hang up',
    starting: 'Starting…',
    ringing: 'Ringing…',
    active: 'Connected',
    reconnecting: 'Reconnecting…',
    ended: 'Call ended. Thank you!',
    missed: 'No one answered. Please try again later.',
    rejected: 'The agent could not take the call. Please try again later.',
    cancelled: 'Call cancelled.',
    busy: 'The agent is in another call. Please try again shortly.',
    failed: 'The call could not connect.',
    microphone_denied: 'Microphone access was refused. Allow the microphone for this page, then try again.',
    microphone_missing: 'No microphone was found. Connect one and try again.',
    microphone_failed: 'The microphone could not be started. Close other apps using it and try again.',
    webrtc_unsupported:
      'This browser cannot make voice calls. Open the link in a current Chrome, Firefox or Safari.',
    error: 'Something went wrong. Please try again.',
    invalid: 'This call link is invalid or has expired. Ask the support team for a new one.',
  },
  fa: {
    title: 'تماس صوتی',
    intro:
      'برای گفتگو با {name} از تیم پشتیبانی، «تماس» را بزنید. مرورگر برای استفاده از میکروفون اجازه می‌خواهد.',
    call: 'تماس',
    hangup: 'قطع تماس',
    starting: 'در حال آغاز…',
    ringing: 'در حال زنگ خوردن…',
    active: 'متصل',
    reconnecting: 'در حال اتصال دوباره…',
    ended: 'تماس پایان یافت. سپاس!',
    missed: 'کسی پاسخ نداد. لطفاً بعداً دوباره تلاش کنید.',
    rejected: 'همکار ما نتوانست پاسخ دهد. لطفاً بعداً دوباره تلاش کنید.',
    cancelled: 'تماس لغو شد.',
    busy: 'همکار ما در تماس دیگری است. لطفاً کمی بعد دوباره تلاش کنید.',
    failed: 'تماس برقرار نشد.',
    microphone_denied: 'دسترسی به میکروفون رد شد. اجازهٔ میکروفون را برای این صفحه بدهید و دوباره تلاش کنید.',
    microphone_missing: 'میکروفونی پیدا نشد. یکی وصل کنید و دوباره تلاش کنید.',
    microphone_failed:
      'میکروفون راه‌اندازی نشد. برنامه‌های دیگری را که از آن استفاده می‌کنند ببندید و دوباره تلاش کنید.',
    webrtc_unsupported:
      'این مرورگر نمی‌تواند تماس صوتی برقرار کند. پیوند را در نسخهٔ تازهٔ Chrome، Firefox یا Safari باز کنید.',
    error: 'مشکلی پیش آمد. لطفاً دوباره تلاش کنید.',
    invalid: 'این پیوند تماس نامعتبر است یا منقضی شده. از تیم پشتیبانی پیوند تازه بخواهید.',
  },
  ar: {
    title: 'مكالمة صوتية',
    intro: 'اضغط «اتصال» للتحدث مع {name} من فريق الدعم. سيطلب المتصفح استخدام الميكروفون.',
    call: 'اتصال',
    hangup: 'إنهاء المكالمة',
    starting: 'جارٍ البدء…',
    ringing: 'يرنّ…',
    active: 'متصل',
    reconnecting: 'جارٍ إعادة الاتصال…',
    ended: 'انتهت المكالمة. شكرًا لك!',
    missed: 'لم يرد أحد. يُرجى المحاولة لاحقًا.',
    rejected: 'تعذّر على الموظف الرد. يُرجى المحاولة لاحقًا.',
    cancelled: 'أُلغيت المكالمة.',
    busy: 'الموظف في مكالمة أخرى. يُرجى المحاولة بعد قليل.',
    failed: 'تعذّر الاتصال.',
    microphone_denied: 'رُفض الوصول إلى الميكروفون. اسمح بالميكروفون لهذه الصفحة ثم حاول مجددًا.',
    microphone_missing: 'لم يُعثر على ميكروفون. وصّل ميكروفونًا وحاول مجددًا.',
    microphone_failed: 'تعذّر تشغيل الميكروفون. أغلق التطبيقات الأخرى التي تستخدمه وحاول مجددًا.',
    webrtc_unsupported:
      'لا يستطيع هذا المتصفح إجراء مكالمات صوتية. افتح الرابط في إصدار حديث من Chrome أو Firefox أو Safari.',
    error: 'حدث خطأ. يُرجى المحاولة مجددًا.',
    invalid: 'رابط المكالمة هذا غير صالح أو انتهت صلاحيته. اطلب رابطًا جديدًا من فريق الدعم.',
  },
} satisfies Record<CallPageLocale, Record<string, string>>;

/** The first of Accept-Language's languages the page speaks, else English. */
export function callPageLocale(acceptLanguage: string | undefined): CallPageLocale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.q > 0 && (CALL_PAGE_LOCALES as readonly string[]).includes(entry.lang))
    .sort((a, b) => b.q - a.q);
  return (ranked[0]?.lang as CallPageLocale | undefined) ?? 'en';
}

const STYLE = `
body{margin:0;font-family:Vazirmatn,Tahoma,"Segoe UI",system-ui,sans-serif;background:#f5f6f8;color:#1d2330;line-height:1.6}
main{max-width:28rem;margin:0 auto;padding:1.25rem}
section{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 3px rgba(0,0,0,.08);text-align:center}
h1{font-size:1.3rem;margin:0 0 1rem}
#status{font-weight:600;min-height:1.6em}
.error{color:#a40e26}
button{font:inherit;font-weight:600;padding:.75rem 1.6rem;border-radius:2rem;border:0;cursor:pointer;margin:.5rem}
#call{background:#1a7f37;color:#fff}#hangup{background:#a62626;color:#fff}
button[hidden]{display:none}
`;

/** Only the page's own script and its one style (by hash); sockets and fetches to itself. */
export const CALL_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function layout(locale: CallPageLocale, body: string): string {
  return `<!doctype html>
<html lang="${locale}" dir="${locale === 'en' ? 'ltr' : 'rtl'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(TEXTS[locale].title)}</title>
<style>${STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

export function renderCallPage(locale: CallPageLocale, token: string, agentName: string): string {
  const t = TEXTS[locale];
  const texts = JSON.stringify(t);
  return layout(
    locale,
    `<section id="call-app" data-role="caller" data-token="${escapeHtml(token)}" data-texts="${escapeHtml(texts)}" data-state="idle" data-bytes-received="0" data-ice-restarts="0" data-reconnecting="false">
<h1>${escapeHtml(t.title)}</h1>
<p dir="auto">${escapeHtml(t.intro.replace('{name}', agentName))}</p>
<p id="status" role="status" aria-live="polite"></p>
<button type="button" id="call">${escapeHtml(t.call)}</button>
<button type="button" id="hangup" hidden>${escapeHtml(t.hangup)}</button>
</section>
<script src="/call/${escapeHtml(token)}/call.js"></script>`,
  );
}

export function renderInvalidCallPage(locale: CallPageLocale): string {
  return layout(
    locale,
    `<section><h1>${escapeHtml(TEXTS[locale].title)}</h1><p class="error" role="alert" data-testid="invalid">${escapeHtml(TEXTS[locale].invalid)}</p></section>`,
  );
}

/**
 * The call page's script (plain, no build step), for both roles the page has. As the caller (a call
 * link: `data-role="caller"`) it starts the call and offers once the agent answers; as the callee
 * (a visitor answering an agent: `data-role="callee"`) it accepts and answers the agent's offers.
 * Both: the microphone, the call's socket, REST to end it, and recovery — ICE restarts at once when
 * the browser reports a network change, and after a failed connection (the caller offers anew; the
 * callee asks it to). The page's root shows the state, bytes received and both sides' ICE
 * credentials (`data-*`), for whoever looks into a bad call.
 */
export const CALL_PAGE_SCRIPT = `(() => {
  'use strict';
  const root = document.getElementById('call-app');
  const token = root.dataset.token;
  const callee = root.dataset.role === 'callee';
  const t = JSON.parse(root.dataset.texts);
  const status = document.getElementById('status');
  const mainButton = document.getElementById('call');
  const hangButton = document.getElementById('hangup');
  const FINAL = ['ended', 'missed', 'rejected', 'cancelled', 'busy', 'failed'];
  // A callee's call is known from the start; a caller's once it has placed it.
  const base = callee ? '/call/answer/' + token : '/call/' + token;
  let callId = callee ? root.dataset.callId : null;
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
    if (ws && ws.readyState === 1 && callId) ws.send(JSON.stringify({ type: 'call_signal', call_id: callId, kind, data }));
  };
  const post = async (path) => {
    const response = await fetch(base + path, { method: 'POST', headers: { accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(body.message || 'error'), { code: body.code, text: body.message });
    return body;
  };
  const callPath = (action) => '/calls/' + callId + '/' + action;
  const connect = () => new Promise((resolve, reject) => {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws/call/?token=' + encodeURIComponent(token);
    ws = new WebSocket(url);
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error('socket'));
    ws.onmessage = (event) => { try { onFrame(JSON.parse(event.data)); } catch (e) { /* not a frame */ } };
  });
  const end = (state) => {
    show(state, state === 'failed');
    root.dataset.reconnecting = 'false';
    clearInterval(statsTimer);
    if (pc) pc.close();
    pc = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    hangButton.hidden = true;
    if (callee) {
      // A visitor's page is for one call: nothing more to press.
      done = true;
      mainButton.hidden = true;
    } else {
      callId = null;
      mainButton.hidden = false;
      mainButton.disabled = false;
    }
  };
  const active = () => {
    if (root.dataset.state === 'active') return;
    show('active');
    hangButton.textContent = t.hangup;
    statsTimer = setInterval(() => void stats(), 1000);
  };
  const ufragOf = (description) => {
    const found = description && /^a=ice-ufrag:(\\S+)/m.exec(description.sdp);
    return found ? found[1] : '';
  };
  const describeIce = () => {
    if (!pc) return;
    const local = ufragOf(pc.localDescription);
    if (root.dataset.iceUfragLocal && local && local !== root.dataset.iceUfragLocal)
      root.dataset.iceRestarts = String(Number(root.dataset.iceRestarts) + 1);
    root.dataset.iceUfragLocal = local;
    root.dataset.iceUfragRemote = ufragOf(pc.remoteDescription);
    const ice = pc.iceConnectionState;
    if (root.dataset.reconnecting === 'true' && pc.signalingState === 'stable' && (ice === 'connected' || ice === 'completed'))
      reconnecting(false);
  };
  const reconnecting = (on) => {
    root.dataset.reconnecting = String(on);
    if (root.dataset.state === 'active') status.textContent = on ? t.reconnecting : t.active;
  };
  const offer = async (iceRestart) => {
    const description = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(description);
    describeIce();
    send('offer', { sdp: description.sdp });
  };
  // New ICE credentials: the caller offers them; the callee asks the caller to.
  const restart = () => {
    reconnecting(true);
    if (callee) return send('restart', {});
    pc.restartIce();
    return offer(true);
  };
  // A new network: restart ICE at once rather than wait for the old path to be found dead.
  const networkChanged = () => {
    if (!pc || !pc.remoteDescription || root.dataset.state !== 'active') return;
    void Promise.resolve(restart()).catch(() => undefined);
  };
  window.addEventListener('online', networkChanged);
  if (navigator.connection && navigator.connection.addEventListener)
    navigator.connection.addEventListener('change', networkChanged);
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
      if (FINAL.includes(frame.status)) return end(frame.status);
      if (frame.status !== 'active') return callee ? undefined : show(frame.status);
      if (callee) return answered ? active() : undefined;
      if (root.dataset.state !== 'active') {
        active();
        await offer(false);
      }
      return;
    }
    if (frame.type !== 'call_signal') return;
    // The caller offers as soon as it hears the answer, maybe before this page's accept came back.
    if (!pc) return void early.push(frame);
    const data = frame.data || {};
    if (frame.kind === 'ice' && data.candidate) {
      if (pc.remoteDescription) await pc.addIceCandidate(data.candidate).catch(() => undefined);
      else pending.push(data.candidate);
    } else if (callee && frame.kind === 'offer' && data.sdp) {
      // New credentials in a later offer: the caller is restarting ICE.
      if (pc.remoteDescription && ufragOf({ sdp: data.sdp }) !== ufragOf(pc.remoteDescription)) reconnecting(true);
      await pc.setRemoteDescription({ type: 'offer', sdp: data.sdp });
      await flush();
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      send('answer', { sdp: answer.sdp });
      describeIce();
    } else if (!callee && frame.kind === 'answer' && data.sdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp: data.sdp });
      await flush();
      describeIce();
    } else if (!callee && frame.kind === 'restart') {
      restarts++;
      await restart();
    }
  };
  const onFrame = (frame) => {
    if (done || !callId || frame.call_id !== callId) return;
    chain = chain.then(() => handle(frame)).catch(() => undefined);
  };
  const microphone = async () => {
    if (typeof RTCPeerConnection === 'undefined' || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      show('webrtc_unsupported', true);
      return null;
    }
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (error) {
      const name = error && error.name;
      show(name === 'NotAllowedError' || name === 'SecurityError' ? 'microphone_denied'
        : name === 'NotFoundError' || name === 'OverconstrainedError' ? 'microphone_missing' : 'microphone_failed', true);
      return null;
    }
  };
  const peer = (iceServers) => {
    pc = new RTCPeerConnection({ iceServers });
    stream.getAudioTracks().forEach((track) => pc.addTrack(track, stream));
    pc.ontrack = (event) => { audio.srcObject = event.streams[0]; void audio.play().catch(() => undefined); };
    pc.onicecandidate = (event) => {
      if (event.candidate) send('ice', { candidate: event.candidate.toJSON() });
    };
    pc.oniceconnectionstatechange = () => {
      if (!pc) return;
      const state = pc.iceConnectionState;
      if (state === 'connected' || state === 'completed') { restarts = 0; describeIce(); }
      if (state === 'disconnected' || state === 'failed') reconnecting(true);
      if (state === 'failed') {
        if (restarts++ < 4) void Promise.resolve(restart()).catch(() => undefined);
        else void post(callPath('hangup') + '?failed=1').catch(() => undefined);
      }
    };
  };

  mainButton.addEventListener('click', async () => {
    mainButton.disabled = true;
    show('starting');
    stream = await microphone();
    if (!stream) return void (mainButton.disabled = false);
    try {
      if (!ws || ws.readyState !== 1) await connect();
      if (callee) {
        const accepted = await post(callPath('accept'));
        answered = true;
        peer(accepted.ice_servers);
        mainButton.hidden = true;
        hangButton.hidden = false;
        active();
        for (const frame of early.splice(0)) onFrame(frame);
        return;
      }
      const started = await post('/calls');
      peer(started.ice_servers);
      callId = started.call_id;
      mainButton.hidden = true;
      hangButton.hidden = false;
      if (FINAL.includes(started.status)) end(started.status);
      else show(started.status);
    } catch (error) {
      if (callee) {
        if (stream) stream.getTracks().forEach((track) => track.stop());
        stream = null;
        mainButton.disabled = false;
        show('error', true);
      } else end('error');
      status.textContent = (error && error.text) || t.error;
      status.className = 'error';
    }
  });

  hangButton.addEventListener('click', () => {
    if (!callId || done) return;
    // A visitor who has not answered declines; anyone else hangs up.
    void post(callPath(callee && !answered ? 'reject' : 'hangup')).then(
      (call) => { if (callee) end(call.status); },
      () => undefined,
    );
  });
  window.addEventListener('pagehide', () => {
    if (callId && (answered || !callee) && !done) navigator.sendBeacon(base + callPath('hangup'));
  });

  if (callee) {
    const initial = root.dataset.state;
    if (FINAL.includes(initial)) end(initial);
    else {
      show(initial === 'active' ? 'active' : 'ringing');
      // Opened again mid-call: this page has no media of the call any more, but can end it.
      if (initial === 'active') { answered = true; mainButton.hidden = true; hangButton.textContent = t.hangup; }
      connect().catch(() => undefined);
    }
  }
})();
`;
