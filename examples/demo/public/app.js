// The demo page: the official socket.io-client talking to libsio's demo.
// The events are those of Flask-SocketIO's example application.
'use strict';

const $ = (id) => document.getElementById(id);
const MAX_LOG = 200; // entries kept in the log
const PING_EVERY_MS = 1000;
const PING_SAMPLES = 30; // the readout averages the last N round trips

function setState(state) {
  document.body.dataset.state = state;
  $('status').textContent = state;
}

function log(text, kind = 'received') {
  const li = document.createElement('li');
  li.className = kind;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  const msg = document.createElement('span');
  msg.className = 'msg';
  msg.textContent = text;
  li.append(time, msg);
  const list = $('log');
  list.prepend(li);
  while (list.children.length > MAX_LOG) list.lastChild.remove();
}

// Text as is, binary as its size, anything else as JSON.
function show(data) {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return `<${data.byteLength} bytes of binary>`;
  return JSON.stringify(data);
}

function showProblem(text) {
  const p = $('problem');
  p.textContent = text;
  p.hidden = false;
}

if (typeof io === 'undefined') {
  setState('unavailable');
  showProblem('The socket.io-client bundle did not load (/vendor/socket.io.min.js). ' +
              'Run "npm ci" in examples/demo (or "make deps") and restart demo.');
} else {
  start();
}

function start() {
  // ?transports=polling or ?transports=websocket (comma-separated) picks the
  // transports; by default the client starts with polling and upgrades.
  const wanted = new URLSearchParams(location.search).get('transports');
  const options = wanted ? { transports: wanted.split(',') } : {};
  const socket = io(options);
  window.demoSocket = socket; // handy in the browser console

  function showTransport() {
    const engine = socket.io.engine;
    $('transport').textContent = engine && engine.transport ? engine.transport.name : '\u2013';
  }

  socket.on('connect', () => {
    setState('connected');
    showTransport();
    socket.io.engine.once('upgrade', showTransport);
    $('connect').disabled = true;
    $('disconnect').disabled = false;
    socket.emit('my_event', { data: "I'm connected!" });
  });

  socket.on('disconnect', (reason) => {
    setState('disconnected');
    $('transport').textContent = '\u2013';
    $('connect').disabled = false;
    $('disconnect').disabled = true;
    log(`Disconnected (${reason})`, 'note');
  });

  socket.on('connect_error', (err) => {
    setState('disconnected');
    log(`Connection error: ${err.message}`, 'note');
  });

  socket.on('my_response', (msg, ack) => {
    log(`#${msg.count}: ${show(msg.data)}`);
    if (ack) ack(); // disconnect_request waits for this before disconnecting
  });

  // Ping latency: the round trip of an acknowledged my_ping, averaged.
  const samples = [];
  setInterval(() => {
    if (!socket.connected) return;
    const started = performance.now();
    socket.emit('my_ping', () => {
      samples.push(performance.now() - started);
      if (samples.length > PING_SAMPLES) samples.shift();
      const avg = samples.reduce((a, b) => a + b, 0) / samples.length;
      $('latency').textContent = `${avg.toFixed(1)} ms`;
      $('latency').title = `average of the last ${samples.length} round trips`;
    });
  }, PING_EVERY_MS);

  // Forms: each sends one event with the form's fields.
  function onSubmit(formId, send) {
    $(formId).addEventListener('submit', (e) => {
      e.preventDefault();
      send(new FormData(e.target));
    });
  }
  onSubmit('echo-form', (f) => socket.emit('my_event', { data: f.get('data') }));
  onSubmit('broadcast-form', (f) => socket.emit('my_broadcast_event', { data: f.get('data') }));
  onSubmit('join-form', (f) => socket.emit('join', { room: f.get('room') }));
  onSubmit('leave-form', (f) => socket.emit('leave', { room: f.get('room') }));
  onSubmit('room-form', (f) => socket.emit('my_room_event', { room: f.get('room'), data: f.get('data') }));
  onSubmit('close-form', (f) => socket.emit('close_room', { room: f.get('room') }));

  $('disconnect').addEventListener('click', () => socket.emit('disconnect_request'));
  $('connect').addEventListener('click', () => {
    setState('connecting');
    socket.connect();
  });
  $('clear-log').addEventListener('click', () => $('log').replaceChildren());
}
