import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The transactional outbox: one row per change agents may hear of, written with the change. */
@Entity('event')
@Index('event_workspace_seq_uq', ['workspaceId', 'seq'], { unique: true })
@Index('event_conversation_seq_idx', ['conversationId', 'seq'])
export class EventRow {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column('uuid') workspaceId!: string;
  @Column({ type: 'uuid', nullable: true }) conversationId!: string | null;
  @Column('bigint') seq!: string;
  @Column({ type: 'varchar', length: 64 }) type!: string;
  @Column({ type: 'jsonb' }) payload!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
