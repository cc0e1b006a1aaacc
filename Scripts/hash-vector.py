#!/usr/bin/env python3
"""Computes the hash-chain test vector from the documented byte layout
(EventStore/HashChain.swift), independently of the Swift code."""
import hashlib, struct, uuid, datetime

def micros(text):
    dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 1_000_000

def text(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b

buf = bytes(32)
buf += struct.pack(">QQ", 1, 1)
buf += uuid.UUID("00000000-0000-4000-8000-000000000001").bytes
buf += text("case-1") + text("InquiryOpened")
buf += struct.pack(">I", 1)
buf += struct.pack(">qq", micros("2024-03-01T09:00:00Z"), micros("2024-03-01T09:00:01Z"))
buf += text("client:c1")
buf += b"\x00" + b"\x00"
payload = b'{"caseId":"1"}'
buf += struct.pack(">I", len(payload)) + payload
print(hashlib.sha256(buf).hexdigest())
