// Adapter for Switchboard's real protocol (docs/PROTOCOL.md), for ../shared/bench/load.js.
// The six functions of ../shared/bench/adapters/common.js, mapped onto:
//   url      ws://…/ws?token=<HS256 JWT minted from SWITCHBOARD_JWT_SECRET> (user 100000+i);
//            fanout also adds &room_id=bench, which joins the room on connect (the room exists:
//            tests/bench/run.sh starts the server with `bench` among its default rooms).
//            Everyone joins, publishers too: Switchboard lets only members post.
//   join     null (done by the URL)
//   publish  {"type":"room_send","room_id":R,"data":X}  -> members get {"type":"room_message","data":X,…}
//   echo     {"type":"ping","id":"<X as JSON>"}         -> {"type":"pong","id":"<X as JSON>"}
// Authentication and persistence are on, as shipped: every room_send is stored before delivery.
'use strict';
const crypto = require('crypto');

const SECRET = process.env.SWITCHBOARD_JWT_SECRET || '';
if (SECRET.length < 32) throw new Error('switchboard.js: set SWITCHBOARD_JWT_SECRET (the server\'s HS256 secret)');
const b64url = (s) => Buffer.from(s).toString('base64url');
const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
function token(userId) {
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(JSON.stringify({ sub: String(userId), name: 'bench' + userId, role: 'user', iat: now, exp: now + 86400 }));
  const sig = crypto.createHmac('sha256', SECRET).update(header + '.' + payload).digest('base64url');
  return `${header}.${payload}.${sig}`;
}

module.exports = {
  name: 'switchboard',
  url: (base, i, scenario) => `${base}?token=${token(100000 + i)}${scenario === 'fanout' ? '&room_id=bench' : ''}`,
  protocols: [],
  hello: () => [],
  join: () => null,
  publish: (room, data) => JSON.stringify({ type: 'room_send', room_id: room, data }),
  echo: (data) => JSON.stringify({ type: 'ping', id: JSON.stringify(data) }), // ids are at most 128 characters
  parse: (str) => {
    const m = JSON.parse(str);
    if (m.type === 'room_message') return { kind: 'message', data: m.data };
    if (m.type === 'pong' && typeof m.id === 'string') return { kind: 'echo', data: JSON.parse(m.id) };
    return null;
  },
};
