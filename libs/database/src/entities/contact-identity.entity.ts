import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('contact_identity')
@Index('contact_identity_channel_user_uq', ['channelId', 'platformUserId'], { unique: true })
@Index('contact_identity_contact_idx', ['contactId'])
export class ContactIdentity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column('uuid') contactId!: string;
  @Column('uuid') channelId!: string;
  @Column('text') platformUserId!: string;
  /** Set when the platform says we can no longer reach this user (blocked the bot, invalid recipient). */
  @Column({ type: 'timestamptz', nullable: true }) unreachableAt!: Date | null;
  @Column({ type: 'text', nullable: true }) unreachableReason!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
