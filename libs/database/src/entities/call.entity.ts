import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CallStatus } from '@parley/contract/calls';

/** A voice call (migrations/1796080000000-calls.ts); its state moves only through CallStateService. */
@Entity('call')
export class Call {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column({ type: 'uuid', nullable: true }) callerAgentId!: string | null;
  @Column({ type: 'uuid', nullable: true }) callerContactId!: string | null;
  @Column({ type: 'text', nullable: true }) callerName!: string | null;
  @Column({ type: 'uuid', nullable: true }) calleeAgentId!: string | null;
  @Column({ type: 'text', nullable: true }) calleeName!: string | null;
  @Column({ type: 'uuid', nullable: true }) conversationId!: string | null;
  @Column({ type: 'varchar', length: 16 }) status!: CallStatus;
  @Column({ type: 'timestamptz' }) startedAt!: Date;
  @Column({ type: 'timestamptz' }) ringExpiresAt!: Date;
  @Column({ type: 'timestamptz', nullable: true }) answeredAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) endedAt!: Date | null;
  @Column({ type: 'integer', nullable: true }) durationSeconds!: number | null;
  @Column({ type: 'uuid', nullable: true }) endedBy!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) endReason!: string | null;
}
