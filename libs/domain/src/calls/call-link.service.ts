import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallLinkView, CallStartView } from '@parley/contract/calls';
import { AppError, notFound } from '@parley/errors/app-error';
import { CallStartService } from './call-start.service';
import { SignedLinks } from '../signed-link';

/** What a call link names, signed: one conversation, and the agent who sent it. */
export interface CallLink {
  workspaceId: string;
  conversationId: string;
  agentId: string;
  expiresAt: number;
}

/** The customer a link is for (the conversation's contact), as its call socket and calls name it. */
export interface CallLinkCustomer {
  link: CallLink;
  contactId: string;
  name: string | null;
  /** Whom the page says the customer will talk to. */
  agentName: string;
}

/**
 * Call links for customers on platforms with no calling API (Telegram, Instagram, Divar): the
 * agent sends `PUBLIC /call/<token>` into the conversation; the customer opens it in a browser and
 * calls. The token is the only credential: HMAC-signed with a key derived from JWT_SECRET under
 * its own label, expiring (CALL_LINK_TTL_HOURS), good for one conversation. It rings the agent
 * who sent it, or the conversation's assignee when that agent is gone.
 */
@Injectable()
export class CallLinkService {
  private readonly links: SignedLinks;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly starts: CallStartService,
  ) {
    this.links = new SignedLinks(config.jwt.secret, 'parley call links v1');
  }

  async issue(
    workspaceId: string,
    agentId: string,
    conversationId: string,
    now = Date.now(),
  ): Promise<CallLinkView> {
    const [conversation]: unknown[] = await this.db.query(
      `SELECT 1 FROM conversation WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, conversationId],
    );
    if (!conversation) throw notFound('conversation');
    const expiresAt = Math.floor(now / 1000 + this.config.calls.linkTtlHours * 3600);
    const token = this.links.sign({ w: workspaceId, k: conversationId, a: agentId, e: expiresAt });
    return {
      url: `${this.config.apiPublicUrl}/call/${token}`,
      expires_at: new Date(expiresAt * 1000).toISOString(),
    };
  }

  /**
   * A website visitor's call button: a link for its own conversation that rings the agent the
   * conversation is assigned to (nobody to ring yet: `call_no_callee`).
   */
  async issueForVisitor(workspaceId: string, conversationId: string | null): Promise<CallLinkView> {
    const [row]: { assignee_id: string | null }[] = conversationId
      ? await this.db.query(`SELECT assignee_id FROM conversation WHERE workspace_id = $1 AND id = $2`, [
          workspaceId,
          conversationId,
        ])
      : [];
    if (!row?.assignee_id || !conversationId) throw new AppError('call_no_callee', 400);
    return this.issue(workspaceId, row.assignee_id, conversationId);
  }

  /** The link a genuine, unexpired token names; `call_link_invalid` (410 expired, 404 otherwise). */
  verify(token: string | null, now = Date.now()): CallLink {
    const p = this.links.open(token);
    if (!p) throw new AppError('call_link_invalid', 404);
    const link: CallLink = {
      workspaceId: String(p.w),
      conversationId: String(p.k),
      agentId: String(p.a),
      expiresAt: Number(p.e),
    };
    if (!(link.expiresAt * 1000 > now)) throw new AppError('call_link_invalid', 410);
    return link;
  }

  /** The customer of a valid link's conversation (a deleted conversation makes the link invalid). */
  async customer(token: string | null): Promise<CallLinkCustomer> {
    const link = this.verify(token);
    const [row]: { contact_id: string; name: string | null; agent_name: string | null }[] =
      await this.db.query(
        `SELECT c.contact_id, coalesce(ct.name, ct.username) AS name, a.name AS agent_name
         FROM conversation c JOIN contact ct ON ct.id = c.contact_id
         LEFT JOIN agent a ON a.workspace_id = c.workspace_id AND a.id = $3
        WHERE c.workspace_id = $1 AND c.id = $2`,
        [link.workspaceId, link.conversationId, link.agentId],
      );
    if (!row) throw new AppError('call_link_invalid', 404);
    return { link, contactId: row.contact_id, name: row.name, agentName: row.agent_name ?? '' };
  }

  /** The customer presses call: it rings the link's agent, or the assignee when that agent is gone. */
  async call(customer: CallLinkCustomer): Promise<CallStartView> {
    const { link } = customer;
    const [agent]: unknown[] = await this.db.query(
      `SELECT 1 FROM agent WHERE workspace_id = $1 AND id = $2 AND deactivated_at IS NULL`,
      [link.workspaceId, link.agentId],
    );
    return this.starts.start(
      link.workspaceId,
      { kind: 'contact', id: customer.contactId, name: customer.name },
      { agentId: agent ? link.agentId : null, conversationId: link.conversationId },
    );
  }
}
