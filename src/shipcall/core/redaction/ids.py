"""IP addresses and UK National Insurance numbers.

IPv4: four dotted numbers 0-255, leading zeros allowed (`192.168.001.010` is how some tools print
them); not personal: loopback, 0.0.0.0, multicast, broadcast, netmasks (255.…), a network with
its prefix length (`10.0.0.0/8`), four single digits (`1.2.3.4`, public resolvers `1.1.1.1`),
and anything a version word precedes ("firmware 10.2.0.15", "v2.0.0.1", "build 19045.4046").
IPv6: parsed by Python's `ipaddress` (loopback and unspecified excluded).

National Insurance numbers: two letters (HMRC's allowed first and second letters; never the
unallocated prefixes BG, GB, KN, NK, NT, TN, ZZ), six digits (in pairs or together), a suffix
A-D. Lower case only next to an NI word ("national insurance", "NINO", "NI number").
"""

from __future__ import annotations

import ipaddress
import re

from shipcall.core.redaction import context as ctx

# ASCII word characters only around it: in Japanese or Chinese the neighbours are letters too
_IPV4 = re.compile(r"(?<![A-Za-z0-9_.-])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![A-Za-z0-9_]|\.\d|-\w)"
                   r"(/\d{1,2})?")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:)?(?:%\w+)?(?![\w:])")
_NINO = re.compile(r"(?<![\w-])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![\w-])",
                   re.IGNORECASE)
_NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def find_ips(text: str, cues: ctx.Cues) -> list[tuple[int, int]]:
    out = []
    if "." in text:
        for m in _IPV4.finditer(text):
            parts = [int(p) for p in m.group(1, 2, 3, 4)]
            if any(p > 255 for p in parts):
                continue
            first = parts[0]
            if first in (0, 127, 255) or 224 <= first <= 239:
                continue  # unspecified, loopback, netmask/broadcast, multicast: no one's address
            if m.group(5):  # a prefix length: a network when its host bits are zero
                value = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]
                bits = int(m.group(5)[1:])
                if bits <= 32 and value & ((1 << (32 - bits)) - 1) == 0:
                    continue
            if all(len(p) == 1 for p in m.group(1, 2, 3, 4)):
                continue
            if cues.last(ctx.VERSION, m.start(), 16) >= 0:
                continue
            out.append((m.start(), m.end(4)))
    if ":" in text:
        for m in _IPV6.finditer(text):
            raw = m.group()
            if sum(c.isalnum() for c in raw) < 2:
                continue
            try:
                ip6 = ipaddress.IPv6Address(raw)
            except ValueError:
                continue
            if ip6.is_loopback or ip6.is_unspecified:
                continue
            out.append((m.start(), m.end()))
    return out


def find_ninos(text: str, cues: ctx.Cues) -> list[tuple[int, int]]:
    out = []
    for m in _NINO.finditer(text):
        prefix = m.group(1).upper()
        if prefix in _NINO_BAD_PREFIX:
            continue
        written = m.group(1) + m.group(5)
        if not written.isupper() and cues.last(ctx.NINO, m.start()) < 0:
            continue
        out.append((m.start(), m.end()))
    return out
