#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/ from the protocol vectors the
unit tests read (tests/vectors/*.txt) and the extra seeds below. Run it after
changing a vector file or a list:
  python3 fuzz/make_corpus.py
Each target's directory is rewritten; file names are the seed's index plus a
short hash, so the set is reproducible. Keep it small (< 200 files, < 1 MB)."""
import hashlib
import os
import shutil
import struct
import zlib

ROOT = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(ROOT, '..', 'tests', 'vectors')


def unescape(field):
    """A field of a vector file as bytes (escapes: tests/vectors/README.md)."""
    out, i = bytearray(), 0
    simple = {'s': b' ', 't': b'\t', 'n': b'\n', 'r': b'\r', '\\': b'\\', 'e': b''}
    while i < len(field):
        c = field[i]
        if c != '\\':
            out += c.encode('latin-1')
            i += 1
        elif field[i + 1] == 'x':
            out.append(int(field[i + 2:i + 4], 16))
            i += 4
        else:
            out += simple[field[i + 1]]
            i += 2
    return bytes(out)


def vectors(name):
    """The lines of tests/vectors/<name>, each a list of its fields (bytes)."""
    with open(os.path.join(VECTORS, name), encoding='latin-1') as f:
        return [[unescape(x) for x in line.rstrip('\r\n').split(' ') if x] for line in f
                if line.strip() and not line.lstrip().startswith('#')]


def unique(seeds):
    """seeds without repeats, in their first order."""
    seen = set()
    return [s for s in seeds if not (s in seen or seen.add(s))]

# ---- json: the validity table of the unit tests, and deep nesting -------
JSON = [v[1] for v in vectors('json_validity.txt')] + [
    b'{"_placeholder":true,"num":0}', b'[' * 40 + b']' * 40,
    b'"\\"\\\\\\/\\b\\f\\n\\r\\t"', b'"\\u00e9\\u20AC"',
    b'"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"', b'[1\x00]',
]

# ---- sio_packet: the unit tests' packets, variants of them, and message
# streams split at 0x1e ('b' = binary) --------------------------------------
PH0 = b'{"_placeholder":true,"num":0}'
PH1 = b'{"_placeholder":true,"num":1}'
SIO = unique([v[1] for v in vectors('sio_packets.txt')] + [
    b'4"err"', b'2[42,{"a":[1,2]}]', b'2 [ "x" , 1 ] ', b'41{}', b'431{}', b'42["x"]junk',
    b'511-["x"]', b'50-["x"]', b'51-["x",' + PH1 + b']', b'218446744073709551616["x"]',
    b'51-["up",' + PH0 + b']\x1eb\x01\x02\x03\x04\x1e2["after"]',
    b'52-/a,1["x",[' + PH1 + b'],{"k":' + PH0 + b'}]\x1ebAB\x1eb\x1e31["ok"]',
    b'61-7[' + PH0 + b']\x1e2["x"]\x1ebzz', b'b\x00\x1e0', b'2["a"]\x1e3[]\x1e0/x,{}',
])

# ---- ws_frame: byte 0 = role (bit 0: client) and limit (bits 1-2), bytes 1-4
# chunk sizes, then frames. Server role decodes masked frames. -------------
def frame(op, payload, fin=True, mask=b'\x01\x02\x03\x04', rsv=0, form=None):
    b0 = (0x80 if fin else 0) | rsv | op
    n = len(payload)
    mbit = 0x80 if mask else 0
    if form is None:
        form = 0 if n < 126 else (1 if n < 65536 else 2)
    if form == 0:
        h = bytes([b0, mbit | n])
    elif form == 1:
        h = bytes([b0, mbit | 126]) + struct.pack('>H', n)
    else:
        h = bytes([b0, mbit | 127]) + struct.pack('>Q', n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        h += mask
    return h + payload

def ws(cfg, chunks, *frames):
    return bytes([cfg]) + bytes(chunks) + b''.join(frames)

def wsc(*frames):  # client role: unmasked frames
    return ws(1, [3, 0, 17, 63], *[f for f in frames])

WS = [
    ws(0, [1, 1, 1, 1], frame(1, b'42["hello"]')),
    ws(0, [5, 9, 2, 40], frame(2, bytes(range(40)))),
    ws(0, [7, 7, 7, 7], frame(1, b'2probe'), frame(9, b'ping!'), frame(1, b'5')),
    ws(0, [3, 1, 4, 1], frame(1, b'frag', fin=False), frame(9, b''), frame(0, b'ment', fin=False),
       frame(0, b'\xc3\xa9', fin=True)),
    ws(2, [10, 20, 30, 40], frame(2, b'x' * 30)),
    ws(4, [63, 1, 63, 1], frame(1, b'y' * 200, form=1), frame(10, b'pong')),
    ws(0, [2, 2, 2, 2], frame(8, b'\x03\xe8bye')),
    ws(0, [2, 2, 2, 2], frame(8, b'')),
    ws(0, [1, 2, 3, 4], frame(8, b'\x03')),
    ws(0, [1, 2, 3, 4], frame(8, b'\x03\xedok')),
    ws(0, [9, 9, 9, 9], frame(1, b'\xed\xa0\x80')),
    ws(0, [1, 1, 1, 1], frame(1, b'\xe2\x82', fin=False), frame(0, b'\xac')),
    ws(0, [4, 4, 4, 4], frame(1, b'ok', rsv=0x40)),
    ws(0, [4, 4, 4, 4], frame(3, b'')),
    ws(0, [4, 4, 4, 4], frame(9, b'p', fin=False)),
    ws(0, [0, 5, 0, 5], frame(1, b'a', form=2)),
    ws(0, [0, 5, 0, 5], bytes([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4])),
    ws(0, [6, 6, 6, 6], frame(1, b'no mask', mask=None)),
    ws(0, [8, 8, 8, 8], frame(0, b'cont')),
    ws(0, [8, 8, 8, 8], frame(1, b'a', fin=False), frame(1, b'b')),
    wsc(frame(1, b'0{"sid":"abc"}', mask=None), frame(2, b'\x00\x01', mask=None)),
    wsc(frame(1, b'masked')),
    wsc(frame(2, b'\xff' * 300, mask=None, fin=False), frame(0, b'end', mask=None)),
]

# ---- ws_deflate: byte 0 = max_message (bits 0-1) and no context takeover
# (bit 2), bytes 1-2 = plaintext length (LE), the plaintext, then masked
# frames whose compressed messages have RSV1 set. ---------------------------
def zraw(data, level=6):
    z = zlib.compressobj(level, zlib.DEFLATED, -15)
    out = z.compress(data) + z.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b'\x00\x00\xff\xff')
    return out[:-4]

def wd(cfg, plain, *frames):
    return bytes([cfg]) + struct.pack('<H', len(plain)) + plain + b''.join(frames)

Z_TEXT = zraw(b'42["hello","compressed"]' * 4)
Z_BOMB = zraw(b'\x00' * 300000, 9)
WD = [
    wd(2, b'hello hello hello', frame(1, Z_TEXT, rsv=0x40)),
    wd(3, b'x' * 2000, frame(2, zraw(bytes(range(256)) * 8), rsv=0x40)),
    wd(6, b'', frame(1, Z_TEXT[:5], fin=False, rsv=0x40), frame(0, Z_TEXT[5:])),
    wd(2, b'abc' * 50, frame(2, Z_BOMB, rsv=0x40)),
    wd(1, b'over the hundred byte limit ' * 5, frame(1, b'plain'), frame(2, Z_TEXT, rsv=0x40)),
    wd(0, b'', frame(1, b'\xff\xff\xff\xff', rsv=0x40)),
    wd(3, b'', frame(1, Z_TEXT, rsv=0x40), frame(1, zraw(b'42["again"]'), rsv=0x40)),
    wd(2, b'', frame(9, b'p', rsv=0x40), frame(0, b'x', rsv=0x40)),
]

# ---- eio_packet: byte 0 = stop after N packets (low 3 bits), then a polling
# body / WebSocket text / open packet JSON: the unit tests' vectors, and more
OPEN = (b'{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,'
        b'"pingTimeout":20000,"maxPayload":1000000}')
EIO = [b'\x00' + v[1] for name in ('eio_payloads.txt', 'eio_ws_packets.txt', 'eio_open.txt')
       for v in vectors(name)] + [b'\x00' + x for x in [
    b'40\x1e42["auth",{}]', b'bAQIDBA=', b'bQUJD=', b'bQQ', b'b====',
    b'4\xc3\xa9t\xc3\xa9\x1ebAA==\x1e4', b'bA-_', b'4x\x1ebAQID\x1e6\x1e3probe', OPEN,
    b'{"sid":"S1","upgrades":[],"pingInterval":1,"pingTimeout":2,"maxPayload":3}',
    b'4\xff', b'{"sid":"","upgrades":[]}', b'{"sid":"x","pingInterval":-1}',
    b'{"sid":"x","pingInterval":4294967296}', b'{"upgrades":["websocket"],"sid":"x","sid":"y"}',
    b'{"sid":"x","upgrades":"websocket"}',
]] + [b'\x02' + b'4a\x1e4b\x1e4c\x1e4d', b'\x01bAA\x1ebAA\x1e', b'\x03' + OPEN]
EIO = unique(EIO)

# ---- base64: texts to decode (and bytes to encode): the unit tests' and more
B64 = unique([v[2] if v[0] == b'ok' else v[1] for v in vectors('base64.txt')] + [
    b'', b'AQIDBA==', b'AQIDBA=', b'AQIDBA', b'QUJD', b'QUJD=', b'QQ', b'QQ==',
    b'QUI=', b'Q', b'====', b'A===', b'-_-_', b'QU JD',
    b'/+/+', bytes(range(48)), b'\xff\xfe\x00'])

# ---- utf8: bytes 0-1 chunk sizes, then text: the unit tests' texts and more
U8 = unique([b'\x00\x00' + v[1] for v in vectors('utf8.txt')] + [b'\x00\x00' + x for x in [
    b'hello', b'\xc3\xa9', b'\xe2\x82\xac', b'\xf0\x9f\x98\x80', b'\xe2\x82',
    b'abcdefgh\xc3\xa9abcdefgh\xe2\x82\xacabcdefghij', b'\xc3x']] + [
    b'\x03\x05' + b'ab\xf0\x9f\x98\x80cd\xe2\x82\xac' * 3])

# ---- http_util: byte 0 flags (plus, strict), byte 1 small room, then s -----
HU = [b'\x00\x20' + x for x in [
    b'/', b'/index.html', b'/a/b/../c', b'/%2e%2e/etc/passwd', b'/a/./b//c/', b'/a%2fb',
    b'/%00', b'/a\\b', b'/%zz', b'/%4', b'/caf%C3%A9.js', b'relative', b'/.', b'/..%2F',
    b'EIO\x00EIO=4&transport=polling&t=N8hyd6w', b'sid\x00EIO=4&sid=abc%20d&x',
    b'a+b\x00a%20b=1&a+b=2', b'\x00&=&', b'Upgrade, Keep-Alive',
    b' websocket ,\tgzip', b'W/"1f-2a", *', b'Sun, 06 Nov 1994 08:49:37 GMT',
    b'Thu, 29 Feb 2024 23:59:60 GMT', b'Mon, 31 Feb 2023 00:00:00 GMT', b'photo.PNG',
]] + [b'\x03\x04a%2', b'\x01\x00a+b%41', b'\x02\x3f' + b'%41' * 30]

# ---- http_request: byte 0 limits (bits 0-1 header bytes 48/200/1024/16384,
# 2-3 header lines 1/4/16/100, 4-5 body 0/10/300/100000, 6 "/s" mount with a
# 5-byte body, 7 refuse "/x"), byte 1 largest chunk, byte 2 chunk seed -------
HR_BIG, HR_SMALL = 0x3f, 0xd5  # roomy; 200 B / 4 lines / 10 B body + mounts
def hr(cfg, chunk, seed, *reqs):
    return bytes([cfg, chunk, seed]) + b''.join(reqs)
GET = b'GET /index.html?a=1&b=%20x HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n'
POLL = (b'GET /engine.io/?EIO=4&transport=polling&t=N8hyd6w HTTP/1.1\r\n'
        b'Host: localhost:3000\r\nAccept: */*\r\nOrigin: http://localhost:3000\r\n\r\n')
POST = (b'POST /engine.io/?EIO=4&transport=polling&sid=lv_VI97HAXpY6yYWAAAC HTTP/1.1\r\n'
        b'Host: localhost\r\nContent-Type: text/plain;charset=UTF-8\r\n'
        b'Content-Length: 13\r\n\r\n4hello\x1e4world')
CHUNKED = (b'POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n'
           b'5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n')
UPGRADE = (b'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n'
           b'Upgrade: websocket\r\nConnection: Upgrade\r\n'
           b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
           b'\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58')
# The unit tests' requests (tests/vectors/http_requests.txt), then more.
HR = [hr(HR_BIG, 4, 4, v[1]) for v in vectors('http_requests.txt')] + [
    hr(HR_BIG, 255, 1, GET), hr(HR_BIG, 0, 0, GET), hr(HR_BIG, 7, 3, POLL),
    hr(HR_BIG, 16, 5, POST), hr(HR_SMALL, 16, 5, POST),
    hr(HR_BIG, 9, 2, GET, POST, POLL, b'HEAD / HTTP/1.1\r\n\r\n'),  # pipelined
    hr(HR_BIG, 3, 7, CHUNKED), hr(HR_SMALL, 3, 7, CHUNKED),
    hr(HR_BIG, 64, 9, b'GET / HTTP/1.1\r\nX-Big: ' + b'a' * 3000 + b'\r\n\r\n'),
    hr(0x00, 5, 1, b'GET /' + b'p' * 100 + b' HTTP/1.1\r\n\r\n'),
    hr(0x01, 5, 1, b'GET / HTTP/1.1\r\n' + b''.join(b'H%d: v\r\n' % i for i in range(6)) + b'\r\n'),
    hr(HR_BIG, 4, 4, b'FOO / HTTP/1.1\r\n\r\n'), hr(HR_BIG, 4, 4, b'get / HTTP/1.1\r\n\r\n'),
    hr(HR_BIG, 4, 4, b'GET / HTTP/9.9\r\n\r\n'), hr(HR_BIG, 4, 4, b'GET /\x01 HTTP/1.1\r\n\r\n'),
    hr(HR_BIG, 4, 4, b'GET / HTTP/1.1\r\nBad Header: x\r\n\r\n'),
    hr(HR_BIG, 32, 8, UPGRADE), hr(HR_BIG, 1, 8, UPGRADE),
    hr(HR_BIG, 32, 8, b'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\nxyz'),
    hr(HR_BIG, 8, 6, b'POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc'),
    hr(0xff, 8, 6, b'POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'),
    hr(0xff, 8, 6, b'POST /s/up HTTP/1.1\r\nContent-Length: 6\r\n\r\nabcdef'),
    hr(0xff, 8, 6, b'POST /s/up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'GET / HTTP/1.0\r\n\r\nGET /after HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'GET http://example.com:8080/p/q?x=1#frag HTTP/1.1\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'OPTIONS * HTTP/1.1\r\nOrigin: http://a\r\n'
       b'Access-Control-Request-Method: POST\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'GET / HTTP/1.1\r\nA:  v \t\r\nB:\r\nC: x\r\n  folded\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc'),
    hr(HR_BIG, 8, 6, b'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    hr(HR_BIG, 8, 6, b'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
    hr(HR_BIG, 8, 6, b'\r\n\r\nGET / HTTP/1.1\r\n\r\n'),
]
HR = unique(HR)

# ---- eio_v3: byte 0 bit 0 = binary payload format, bits 1..3 = stop after N
# packets; then a v3 payload (docs/PROTOCOL.md, Engine.IO v3 clients).
def v3bin(marker, packet):
    return bytes([marker]) + bytes(int(c) for c in str(len(packet))) + b'\xff' + packet
V3_TEXT = [
    b'%d:0' % (len(OPEN) + 1) + OPEN, b'1:2', b'6:4hello', b'0:', b'1:21:6', b'2:4\xc3\xa9', b'3:4\xf0\x9f\x98\x80',
    b'10:b4AQIDBA==', b'2:b4', b'5:4abc1:1', b'14:42["ev","x"]', b'1:', b'x:4', b'2:4',
    b'3:4\xf0\x9f\x98', b'2:4\xf0\x9f\x98\x80', b'12345678901:4', b'1:9', b'4:b3AA',
]
V3_BIN = [
    v3bin(0, b'4hello'), v3bin(1, b'\x04\x01\x02\x03'), v3bin(0, b'2') + v3bin(1, b'\x04'),
    v3bin(0, b'451-["a",{"_placeholder":true,"num":0}]') + v3bin(1, b'\x04\xff\x00'),
    v3bin(0, b'b4AQID'), v3bin(2, b'4x'), v3bin(1, b'\x02x'), b'\x00\x05\xff4ab',
    b'\x00\xff', b'\x01\x00\xff', b'\x00' + bytes([1] * 11) + b'\xff',
]
EIO3 = unique([b'\x00' + x for x in V3_TEXT] + [b'\x02' + x for x in V3_TEXT[:6]] +
              [b'\x01' + x for x in V3_BIN] + [b'\x03' + x for x in V3_BIN[:3]])
# ---- sio_msgpack: packets as socket.io-msgpack-parser 3 writes them (the
# msgpack parser's unit tests), notepack.io 2's ext forms, and rejections.
SMP = unique([bytes.fromhex(h) for h in [
    '84a47479706502a46461746193a2657607c404000102ffa2696403a36e7370a52f63686174',
    '83a47479706500a46461746181a3736964a3616263a36e7370a12f',
    '82a47479706501a36e7370a12f',
    '83a47479706500a464617461d40000a36e7370a22f78',
    '83a47479706502a46461746195a164d7000000000000000000d4000082a161d40000a16201'
    'c702000908a36e7370a12f',
    '84a47479706503a4646174619181a17891c4026162a269640ca36e7370a12f',
    '83a47479706504a46461746181a76d657373616765a178a36e7370a12f',
    '83a47479706504a464617461a3626164a36e7370a12f',
    '84a47479706502a36e7370a12fa46461746191a161a26964cb4000000000000000',
    '83a47479706502a36e7370a12fa46461746192a16181ac5f706c616365686f6c646572c3',
    '83a47479706502a36e7370a12fa46461746192a165d50102ff',
    '82a47479706505a36e7370a12f',
    '84a47479706502a36e7370a12fa46461746191a161a26964c0',
]])


def write(target, seeds):
    d = os.path.join(ROOT, 'corpus', target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for i, s in enumerate(seeds):
        h = hashlib.sha1(s).hexdigest()[:8]
        with open(os.path.join(d, '%03d-%s' % (i, h)), 'wb') as f:
            f.write(s)


def main():
    write('json', JSON)
    write('sio_packet', SIO)
    write('ws_frame', WS)
    write('ws_deflate', WD)
    write('eio_packet', EIO)
    write('base64', B64)
    write('utf8', U8)
    write('http_util', HU)
    write('http_request', HR)
    write('eio_v3', EIO3)
    write('sio_msgpack', SMP)


if __name__ == '__main__':
    main()
