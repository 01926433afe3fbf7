import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('contact')
@Index('contact_workspace_created_idx', ['workspaceId', 'createdAt', 'id'])
export class Contact {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column({ type: 'text', nullable: true }) name!: string | null;
  @Column({ type: 'text', nullable: true }) username!: string | null;
  /** E.164, e.g. +989121234567. */
  @Column({ type: 'varchar', length: 20, nullable: true }) phone!: string | null;
  @Column({ type: 'text', nullable: true }) email!: string | null;
  @Column({ type: 'text', nullable: true }) avatarUrl!: string | null;
  /** Further numbers of the person (E.164), beside `phone`: a vCard may carry several. */
  @Column({ type: 'text', array: true, default: () => "'{}'" }) extraPhones!: string[];
  /** Values of the workspace's custom attributes, by key. */
  @Column({ type: 'jsonb', default: () => "'{}'" }) attributes!: Record<string, string | number | null>;
  /** Erased on request (GDPR): the row stays as an anonymous marker for its conversations. */
  @Column({ type: 'timestamptz', nullable: true }) erasedAt!: Date | null;
  /** Merged into that contact (hidden until the merge is undone). */
  @Column({ type: 'uuid', nullable: true }) mergedIntoId!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
