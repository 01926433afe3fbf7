import {
  Column,
  CreateDateColumn,
  DeleteDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ChannelStatus, ChannelType } from '@parley/contract/channel-types';
import type { WebChannelSettings } from '@parley/contract/widget';

@Entity('channel')
@Index('channel_workspace_idx', ['workspaceId'])
export class Channel {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column({ type: 'varchar', length: 16 }) type!: ChannelType;
  @Column() name!: string;
  /** AES-256-GCM ciphertext of the platform credentials (JSON); never leaves the server. */
  @Column('text') credentialsEncrypted!: string;
  /** Telegram's `secret_token` for this channel's webhook. */
  @Column('text') webhookSecret!: string;
  /** The platform's own id of the account: the bot's id, or the Instagram user id. */
  @Column({ type: 'text', nullable: true }) externalId!: string | null;
  @Column({ type: 'varchar', length: 32, default: 'active' }) status!: ChannelStatus;
  /** Messages older than this many days lose their text and media; null keeps them. */
  @Column({ type: 'integer', nullable: true }) retentionDays!: number | null;
  /** When the OAuth access token in the credentials expires (Divar); null for pasted tokens. */
  @Column({ type: 'timestamptz', nullable: true }) tokenExpiresAt!: Date | null;
  /** A website channel's widget settings (`WebChannelSettings`); null on every other type. */
  @Column({ type: 'jsonb', nullable: true }) settings!: WebChannelSettings | null;
  /** The team its new conversations go to (and are routed within); null for none. */
  @Column({ type: 'uuid', nullable: true }) teamId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
  /** Deleting a channel keeps its conversations readable; it only stops the traffic. */
  @DeleteDateColumn({ type: 'timestamptz' }) deletedAt!: Date | null;
}
