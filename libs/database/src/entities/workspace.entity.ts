import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('workspace')
export class Workspace {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column() name!: string;
  /** Highest event seq handed out; bumped under the row lock so seqs commit in order. */
  @Column({ type: 'bigint', default: 0 }) lastSeq!: string;
  @Column({ type: 'jsonb', default: {} }) settings!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
