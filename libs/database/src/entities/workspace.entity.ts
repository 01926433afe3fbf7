import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('workspace')
export class Workspace {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column() name!: string;
  /** Highest event seq handed out; bumped under the row lock so seqs commit in order. */
  @Column({ type: 'bigint', default: 0 }) lastSeq!: string;
  /** ISO 3166 alpha-2 region national phone numbers are read in (imports, matching); null: international only. */
  @Column({ type: 'varchar', length: 2, nullable: true }) phoneRegion!: string | null;
  @Column({ type: 'jsonb', default: {} }) settings!: Record<string, unknown>;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
