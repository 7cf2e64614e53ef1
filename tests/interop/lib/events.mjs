// Waiting for one event of an emitter (a socket of socket.io-client 4 or 2,
// an engine.io-client socket, a Node EventEmitter).
//
//   const [auth] = await once(socket, 'auth');
//   await connected(socket);

// Resolves with the arguments of the next `ev` of s; rejects after ms
// (the listener is then removed, so a late event goes nowhere).
export function once(s, ev, ms = 5000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      s.off(ev, h);
      reject(new Error(`no ${ev} within ${ms} ms`));
    }, ms);
    const h = (...args) => {
      clearTimeout(t);
      resolve(args);
    };
    s.once(ev, h);
  });
}

// Resolves once socket s (socket.io-client) connected; rejects with the
// error its connect_error carries, or after ms.
export function connected(s, ms = 5000) {
  return Promise.race([
    once(s, 'connect', ms),
    once(s, 'connect_error', ms).then(([e]) => {
      throw e;
    }),
  ]);
}
