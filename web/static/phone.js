// The phone page /g/<unit>: voice recording in the browser (MediaRecorder, Opus at 24 kb/s
// like the kiosk, stopped at the cap), contact fields only with consent, and sending the
// form with the recording and its SHA-256 so the hub can check it arrived whole. Without
// this script the form still posts text and a photo.
'use strict';
(function () {
  const form = document.getElementById('phone-form');
  if (!form) return;
  const $ = (id) => document.getElementById(id);
  const text = (key) => form.dataset['t' + key] || '';
  const maxSecs = Number(form.dataset.maxSecs) || 180;
  const status = $('status');
  let voice = null;
  let recorder = null;
  let timer = null;

  const consent = $('consent');
  const contact = [$('name'), $('phone')];
  const syncConsent = () => contact.forEach((el) => { el.disabled = !consent.checked; });
  consent.addEventListener('change', syncConsent);
  syncConsent();

  const say = (message, isError) => {
    status.textContent = message;
    status.className = isError ? 'status error' : 'status';
  };

  const mimeType = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus']
    .find((t) => window.MediaRecorder && MediaRecorder.isTypeSupported(t));
  const canRecord = mimeType && navigator.mediaDevices && navigator.mediaDevices.getUserMedia
    && window.crypto && crypto.subtle;
  if (canRecord) {
    $('voice').hidden = false;
    $('no-voice').hidden = true;
  }

  const showElapsed = (secs) => {
    const m = Math.floor(secs / 60);
    const s = String(secs % 60).padStart(2, '0');
    $('elapsed').textContent = `${text('Recording')} ${m}:${s} / ${Math.floor(maxSecs / 60)}:${String(maxSecs % 60).padStart(2, '0')}`;
  };

  const stop = () => {
    if (recorder && recorder.state !== 'inactive') recorder.stop();
  };

  $('record').addEventListener('click', async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (e) {
      say(text('MicDenied'), true);
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream, { mimeType, audioBitsPerSecond: 24000 });
    recorder.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    recorder.onstop = () => {
      clearInterval(timer);
      stream.getTracks().forEach((t) => t.stop());
      voice = new Blob(chunks, { type: mimeType.split(';')[0] });
      const preview = $('preview');
      preview.src = URL.createObjectURL(voice);
      preview.hidden = false;
      $('discard').hidden = false;
      $('stop').hidden = true;
      $('record').hidden = true;
      $('elapsed').textContent = '';
    };
    const started = Date.now();
    recorder.start(1000);
    $('record').hidden = true;
    $('stop').hidden = false;
    showElapsed(0);
    timer = setInterval(() => {
      const secs = Math.floor((Date.now() - started) / 1000);
      showElapsed(Math.min(secs, maxSecs));
      if (secs >= maxSecs) stop();
    }, 250);
  });
  $('stop').addEventListener('click', stop);
  $('discard').addEventListener('click', () => {
    voice = null;
    const preview = $('preview');
    URL.revokeObjectURL(preview.src);
    preview.removeAttribute('src');
    preview.hidden = true;
    $('discard').hidden = true;
    $('record').hidden = false;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    stop();
    const send = $('send');
    send.disabled = true;
    say(text('Sending'), false);
    const data = new FormData(form);
    if (voice) {
      const digest = await crypto.subtle.digest('SHA-256', await voice.arrayBuffer());
      const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
      data.set('voice_sha256', hex);
      data.set('voice', voice, mimeType.startsWith('audio/ogg') ? 'voice.ogg' : 'voice.webm');
    }
    let answer;
    try {
      const response = await fetch(form.action, { method: 'POST', body: data, headers: { Accept: 'application/json' } });
      answer = await response.json();
    } catch (e) {
      say(text('Network'), true);
      send.disabled = false;
      return;
    }
    if (!answer.ticket_code) {
      say(answer.message || text('Network'), true);
      send.disabled = false;
      return;
    }
    const done = $('done');
    done.replaceChildren();
    const add = (tag, cls, content) => {
      const el = document.createElement(tag);
      if (cls) el.className = cls;
      if (content) el.textContent = content;
      done.appendChild(el);
      return el;
    };
    add('p', 'notice ok', answer.message);
    add('p', 'code', answer.ticket_code);
    const see = add('p');
    const link = document.createElement('a');
    link.href = answer.ticket_url;
    link.id = 'ticket-link';
    link.textContent = text('SeeTicket');
    see.appendChild(link);
    const again = add('p');
    const other = document.createElement('a');
    other.href = location.pathname + location.search;
    other.textContent = text('Another');
    again.appendChild(other);
    form.hidden = true;
    done.hidden = false;
  });
}());
