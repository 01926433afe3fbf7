import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallSignalData, CallSignalKind } from '@parley/contract/calls';
import { AppError, notFound } from '@parley/errors/app-error';
import { RedisClient } from '@parley/runtime/redis.provider';
import { CallSignalEvent, ephemeralChannel } from '../events/pubsub';
import type { CallActor } from './call-state.service';

/**
 * WebRTC signalling (offer, answer, ICE candidates, ICE-restart requests) between the two parties
 * of a call: checked against the call in Postgres (only its parties, only while it rings or is
 * active), then published on the ephemeral bus, so the other party hears it on whichever api
 * instance its sockets are. Never stored: a lost candidate is recovered by an ICE restart.
 */
@Injectable()
export class CallSignalService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisClient,
  ) {}

  async relay(
    workspaceId: string,
    from: CallActor,
    callId: string,
    signal: CallSignalKind,
    data: CallSignalData,
  ): Promise<void> {
    const [call]: {
      caller_agent_id: string | null;
      caller_contact_id: string | null;
      callee_agent_id: string | null;
      callee_contact_id: string | null;
      status: string;
    }[] = await this.db.query(
      `SELECT caller_agent_id, caller_contact_id, callee_agent_id, callee_contact_id, status FROM call
        WHERE workspace_id = $1 AND id = $2
          AND $3 IN (caller_agent_id, caller_contact_id, callee_agent_id, callee_contact_id)`,
      [workspaceId, callId, from.id],
    );
    if (!call) throw notFound('call');
    if (call.status !== 'ringing' && call.status !== 'active') throw new AppError('call_not_active', 409);
    const fromCaller = from.id === call.caller_agent_id || from.id === call.caller_contact_id;
    const to: CallSignalEvent['to'] | null = fromCaller
      ? call.callee_agent_id
        ? { kind: 'agent', id: call.callee_agent_id }
        : call.callee_contact_id
          ? { kind: 'contact', id: call.callee_contact_id }
          : null
      : call.caller_contact_id
        ? { kind: 'contact', id: call.caller_contact_id }
        : call.caller_agent_id
          ? { kind: 'agent', id: call.caller_agent_id }
          : null;
    if (!to) throw new AppError('call_not_active', 409);
    const event: CallSignalEvent = {
      kind: 'call_signal',
      workspace_id: workspaceId,
      call_id: callId,
      to,
      from: from.id,
      signal,
      data,
    };
    await this.redis.redis.publish(ephemeralChannel(this.config), JSON.stringify(event));
  }
}
