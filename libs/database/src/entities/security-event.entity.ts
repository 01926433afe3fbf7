import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('security_event')
@Index('security_event_workspace_time_idx', ['workspaceId', 'createdAt'])
@Index('security_event_ip_time_idx', ['ip', 'createdAt'])
export class SecurityEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id!: string;
  @Column({ type: 'uuid', nullable: true }) workspaceId!: string | null;
  @Column({ type: 'uuid', nullable: true }) agentId!: string | null;
  @Column({ type: 'varchar', length: 64 }) kind!: string;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip!: string | null;
  @Column({ type: 'jsonb', default: {} }) detail!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
