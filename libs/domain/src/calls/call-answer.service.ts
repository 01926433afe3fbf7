import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AppError, notFound } from '@parley/errors/app-error';
import { CALL_COLUMNS, CallRow } from './call.presenter';
import { CallStateService } from './call-state.service';
import { SignedLinks } from '../signed-link';

/** What an answer token names, signed: one call, and the visitor's contact it rings. */
export interface CallAnswer {
  workspaceId: string;
  callId: string;
  contactId: string;
  expiresAt: number;
}

/** The visitor of a valid answer token, as the page and its socket name it. */
export interface CallAnswerCallee {
  answer: CallAnswer;
  /** The calling agent's name, as stored at the call. */
  callerName: string;
  /** The visitor's name, as stored at the call. */
  calleeName: string | null;
  status: CallRow['status'];
}

/** `ans.<signed link>`: told apart from a call link at a glance; each is signed under its own key. */
const PREFIX = 'ans.';

export const isCallAnswerToken = (token: string | null | undefined): token is string =>
  typeof token === 'string' && token.startsWith(PREFIX);

/**
 * The credential of a website visitor answering an agent's call back: the visitor's widget gets a
 * page address with it in its `incoming_call` frame, and the page (the call page, in its answer
 * role) uses it for the call's socket, accept, decline and hang-up. HMAC-signed with a key derived
 * from JWT_SECRET under its own label, good for one call and its callee only, and short-lived: the
 * ring timeout plus CALL_MAX_MINUTES (the longest a call may last), and useless once the call ended.
 * The visitor's own token never leaves the widget.
 */
@Injectable()
export class CallAnswerService {
  private readonly links: SignedLinks;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly state: CallStateService,
  ) {
    this.links = new SignedLinks(config.jwt.secret, 'parley call answers v1');
  }

  /** The answer page of a call ringing a visitor. */
  url(workspaceId: string, callId: string, contactId: string, now = Date.now()): string {
    return `${this.config.apiPublicUrl}/call/answer/${this.issue(workspaceId, callId, contactId, now)}`;
  }

  issue(workspaceId: string, callId: string, contactId: string, now = Date.now()): string {
    const lifetime = this.config.calls.ringTimeoutSeconds + this.config.calls.maxMinutes * 60;
    return `${PREFIX}${this.links.sign({ w: workspaceId, c: callId, k: contactId, e: Math.floor(now / 1000 + lifetime) })}`;
  }

  /** The call a genuine, unexpired token names; `call_answer_invalid` (410 expired, 404 otherwise). */
  verify(token: string | null, now = Date.now()): CallAnswer {
    const p = isCallAnswerToken(token) ? this.links.open(token.slice(PREFIX.length)) : null;
    if (!p) throw new AppError('call_answer_invalid', 404);
    const answer: CallAnswer = {
      workspaceId: String(p.w),
      callId: String(p.c),
      contactId: String(p.k),
      expiresAt: Number(p.e),
    };
    if (!(answer.expiresAt * 1000 > now)) throw new AppError('call_answer_invalid', 410);
    return answer;
  }

  /** The visitor a valid token rings, and its call as it is now (a deleted call makes the token invalid). */
  async callee(token: string | null): Promise<CallAnswerCallee> {
    const answer = this.verify(token);
    const [row]: { caller_name: string | null; callee_name: string | null; status: CallRow['status'] }[] =
      await this.db.query(
        `SELECT caller_name, callee_name, status FROM call
          WHERE workspace_id = $1 AND id = $2 AND callee_contact_id = $3`,
        [answer.workspaceId, answer.callId, answer.contactId],
      );
    if (!row) throw new AppError('call_answer_invalid', 404);
    return { answer, callerName: row.caller_name ?? '', calleeName: row.callee_name, status: row.status };
  }

  /** The visitor answers, on the page: only the token's own call, only while it rings. */
  async accept(token: string, callId: string): Promise<CallRow> {
    const answer = this.forCall(token, callId);
    return this.state.accept(answer.workspaceId, answer.contactId, answer.callId);
  }

  /** The visitor declines: the caller hears `rejected`. */
  async reject(token: string, callId: string): Promise<CallRow> {
    const answer = this.forCall(token, callId);
    return this.state.reject(answer.workspaceId, answer.contactId, answer.callId);
  }

  async hangup(token: string, callId: string, failed: boolean): Promise<CallRow> {
    const answer = this.forCall(token, callId);
    return this.state.hangup(
      answer.workspaceId,
      { kind: 'contact', id: answer.contactId },
      answer.callId,
      failed,
    );
  }

  /** Calls ringing a conversation's visitor now (a widget that opens mid-ring shows them). */
  ringingFor(workspaceId: string, conversationId: string): Promise<CallRow[]> {
    return this.db.query(
      `SELECT ${CALL_COLUMNS} FROM call
        WHERE workspace_id = $1 AND conversation_id = $2 AND callee_contact_id IS NOT NULL
          AND status = 'ringing' AND ring_expires_at > now()
        ORDER BY started_at`,
      [workspaceId, conversationId],
    );
  }

  /** A token is good for its own call only: another call's id is not found. */
  private forCall(token: string, callId: string): CallAnswer {
    const answer = this.verify(token);
    if (answer.callId !== callId) throw notFound('call');
    return answer;
  }
}
