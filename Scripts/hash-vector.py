#!/usr/bin/env python3
"""Computes the hash-chain test vectors from the documented byte layout
(EventStore/HashChain.swift), independently of the Swift code."""
import hashlib, struct, uuid, datetime

def micros(text):
    dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return int(dt.timestamp()) * 1_000_000

def text(s):
    b = s.encode()
    return struct.pack(">I", len(b)) + b

def optional_id(value):
    return b"\x00" if value is None else b"\x01" + uuid.UUID(value).bytes

def link(previous, position, version, event_id, stream, type_, schema, occurred, recorded, actor,
         correlation, causation, payload):
    buf = previous
    buf += struct.pack(">QQ", position, version)
    buf += uuid.UUID(event_id).bytes
    buf += text(stream) + text(type_)
    buf += struct.pack(">I", schema)
    buf += struct.pack(">qq", micros(occurred), micros(recorded))
    buf += text(actor)
    buf += optional_id(correlation) + optional_id(causation)
    buf += struct.pack(">I", len(payload)) + payload
    return hashlib.sha256(buf).hexdigest()

# 1: the first event of a log, no correlation or causation.
print("expected =", link(bytes(32), 1, 1, "00000000-0000-4000-8000-000000000001", "case-1", "InquiryOpened", 1,
                         "2024-03-01T09:00:00Z", "2024-03-01T09:00:01Z", "client:c1", None, None,
                         b'{"caseId":"1"}'))
# 2: a later event chained to a previous hash, with both ids, a non-ASCII
# stream id and an empty object as payload.
print("chained =", link(bytes(range(32)), 7, 3, "01890a5d-ac96-7000-8000-00000000abcd", "case-ö-2", "ChatExcluded", 2,
                        "2024-03-02T10:00:00Z", "2024-03-02T10:00:05Z", "support:agent-1",
                        "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa", b"{}"))
