import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('message_reaction')
@Index('message_reaction_message_idx', ['messageId'])
export class MessageReaction {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column('uuid') workspaceId!: string;
  @Column('uuid') messageId!: string;
  @Column({ type: 'uuid', nullable: true }) agentId!: string | null;
  @Column({ type: 'uuid', nullable: true }) contactId!: string | null;
  @Column({ type: 'varchar', length: 32 }) emoji!: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
