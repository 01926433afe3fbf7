import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { MESSAGE_MAPPING_METADATA, MESSAGE_METADATA } from '@nestjs/websockets/constants';
import { CLIENT_FRAMES } from '@parley/contract/client-frames';
import type { SocketKind } from '@parley/contract/sockets';
import { ChatGateway } from './chat.gateway';
import { readClientFrame, MAX_FRAME_BYTES } from './client-frame.validator';
import { ConversationsGateway, NotificationsGateway } from './list.gateways';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const MESSAGE_ID = '6f1c8a1e-0000-4000-8000-000000000000';

/** The frame types a gateway's @SubscribeMessage handlers take, up its class chain. */
function handledTypes(gateway: Type<unknown>): string[] {
  const types: string[] = [];
  for (
    let proto = gateway.prototype;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const method = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
      if (typeof method === 'function' && Reflect.getMetadata(MESSAGE_MAPPING_METADATA, method))
        types.push(Reflect.getMetadata(MESSAGE_METADATA, method) as string);
    }
  }
  return types.sort();
}

describe('client frames at the edge', () => {
  it.each<[SocketKind, Type<unknown>]>([
    ['chat', ChatGateway],
    ['conversations', ConversationsGateway],
    ['notifications', NotificationsGateway],
  ])(
    'every %s frame type of the contract has exactly one handler, and no handler takes another',
    (kind, gateway) => {
      expect(handledTypes(gateway)).toEqual([...CLIENT_FRAMES[kind].optionsMap.keys()].map(String).sort());
    },
  );

  it.each<[string, SocketKind, Buffer, boolean, object]>([
    ['a binary frame', 'chat', json({ type: 'ping' }), true, { code: 'invalid_frame' }],
    [
      'a frame over the size limit',
      'chat',
      Buffer.alloc(MAX_FRAME_BYTES + 1, 32),
      false,
      { code: 'frame_too_large' },
    ],
    ['bad JSON', 'chat', Buffer.from('{"type": '), false, { code: 'invalid_json' }],
    ['a frame without a type', 'chat', json({ content: 'hi' }), false, { code: 'invalid_frame' }],
    ['an array', 'notifications', json([{ type: 'ping' }]), false, { code: 'invalid_frame' }],
    ['a type no socket takes', 'chat', json({ type: 'teleport' }), false, { code: 'unknown_frame_type' }],
    [
      'a chat frame on a conversations socket',
      'conversations',
      json({ type: 'typing', is_typing: true }),
      false,
      {
        code: 'unknown_frame_type',
        params: { frame_type: 'typing' },
      },
    ],
    [
      'a wrong field type',
      'chat',
      json({ type: 'typing', is_typing: 'yes' }),
      false,
      {
        code: 'invalid_frame',
        params: { problems: 'is_typing Expected boolean, received string' },
      },
    ],
  ])('refuses %s with its stable code', (_label, kind, data, binary, refusal) => {
    const reading = readClientFrame(kind, data, binary);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.error).toMatchObject(refusal);
  });

  it("echoes a refused chat_message's client_id, so the client knows which reply was not stored", () => {
    const reading = readClientFrame(
      'chat',
      json({ type: 'chat_message', content: 42, client_id: 'c-1' }),
      false,
    );
    expect(reading).toMatchObject({ ok: false, client_id: 'c-1', error: { code: 'invalid_frame' } });
  });

  it('hands the handler the frame typed, without fields the contract does not name', () => {
    const reading = readClientFrame(
      'chat',
      json({ type: 'reaction', message_id: MESSAGE_ID, emoji: '👍', action: 'add', extra: 'dropped' }),
      false,
    );
    expect(reading).toEqual({
      ok: true,
      frame: { type: 'reaction', message_id: MESSAGE_ID, emoji: '👍', action: 'add' },
    });
  });
});
