#!/usr/bin/env python3
"""Regenerates tests/lua/expected.txt from a running redis-server 7.0 (port in argv[1]):
each line of cases.txt is sent as EVAL <script> 0 and its reply rendered on one line."""
import socket, sys, re

def render(r):
    t, v = r
    if t == 'bulk': return 'b:' + v.decode('latin-1')
    if t == 'int': return 'i:' + str(v)
    if t == 'nil': return 'nil'
    if t == 'status': return 's:' + v
    if t == 'err':
        v = re.sub(r' script: [0-9a-f]{40}, on @user_script:\d+\.$', '', v)
        v = re.sub(r' script: [0-9a-f]{40}, on @user_script:\?\.$', '', v)
        return 'e:' + v
    if t == 'arr': return '[' + ', '.join(render(x) for x in v) + ']'

class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port)); self.buf = b''
    def line(self):
        while b'\r\n' not in self.buf: self.buf += self.s.recv(65536)
        l, self.buf = self.buf.split(b'\r\n', 1); return l
    def exact(self, n):
        while len(self.buf) < n + 2: self.buf += self.s.recv(65536)
        d = self.buf[:n]; self.buf = self.buf[n+2:]; return d
    def reply(self):
        l = self.line(); c = l[:1]; rest = l[1:]
        if c == b'+': return ('status', rest.decode('latin-1'))
        if c == b'-': return ('err', rest.decode('latin-1'))
        if c == b':': return ('int', int(rest))
        if c == b'$':
            n = int(rest)
            return ('nil', None) if n < 0 else ('bulk', self.exact(n))
        if c == b'*':
            n = int(rest)
            return ('nil', None) if n < 0 else ('arr', [self.reply() for _ in range(n)])
    def cmd(self, *args):
        out = b'*%d\r\n' % len(args)
        for a in args:
            out += b'$%d\r\n%s\r\n' % (len(a), a)
        self.s.sendall(out); return self.reply()

c = Conn(int(sys.argv[1])); c.s.settimeout(10)
lines = open(sys.argv[2] if len(sys.argv) > 2 else 'cases.txt', encoding='utf-8').read().split('\n')
out = []
for l in lines:
    if not l: continue
    print(l, file=sys.stderr); script = l.replace('␤', '\n').encode('utf-8')
    out.append(render(c.cmd(b'EVAL', script, b'0')).replace('\n', '␤').replace('\r', '\\r'))
open('expected.txt', 'w', encoding='utf-8').write('\n'.join(out) + '\n')
print(len(out), 'cases')
