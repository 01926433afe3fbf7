import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { AgentRole, Availability } from '@parley/contract/views';

@Entity('agent')
@Index('agent_workspace_idx', ['workspaceId'])
export class Agent {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  /** Stored lower-cased; unique across Parley because login takes only an email. */
  @Column() email!: string;
  @Column() name!: string;
  @Column({ type: 'text', nullable: true }) passwordHash!: string | null;
  @Column({ type: 'varchar', length: 16 }) role!: AgentRole;
  @Column({ type: 'varchar', length: 16, default: 'offline' }) availability!: Availability;
  @Column({ type: 'timestamptz', nullable: true }) lastSeenAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) deactivatedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) inviteTokenHash!: string | null;
  @Column({ type: 'timestamptz', nullable: true }) inviteExpiresAt!: Date | null;
  /** Carried by access tokens; bumped to end every session at once (password or role change). */
  @Column({ type: 'integer', default: 0 }) tokenVersion!: number;
  /** The instance operator when OPERATOR_EMAILS is not set: the instance's first account. */
  @Column({ type: 'boolean', default: false }) operator!: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
