import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A refresh token (its SHA-256 only). Tokens rotated from one login share a family. */
@Entity('refresh_token')
@Index('refresh_token_hash_uq', ['tokenHash'], { unique: true })
@Index('refresh_token_family_idx', ['familyId'])
export class RefreshToken {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') agentId!: string;
  @Column('uuid') workspaceId!: string;
  @Column('uuid') familyId!: string;
  @Column('text') tokenHash!: string;
  @Column({ type: 'timestamptz' }) expiresAt!: Date;
  /** Set when this token was exchanged for the next one. */
  @Column({ type: 'timestamptz', nullable: true }) usedAt!: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) revokedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
