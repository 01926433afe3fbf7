import type { LabelView } from '@parley/contract/labels';
import { relabel, relabelList } from './label-frames';

const view = (id: string, name: string, color = '#111111'): LabelView => ({
  id,
  name,
  color,
  description: null,
  created_at: '2026-11-30T00:00:00.000Z',
  updated_at: '2026-11-30T00:00:00.000Z',
});

describe('label frames', () => {
  const vip = { id: 'l1', name: 'VIP', color: '#ff0000' };
  const refund = { id: 'l2', name: 'Refund', color: '#00ff00' };

  it('renames and recolours a label in place on a conversation, and leaves others as they were', () => {
    const renamed = relabel([vip, refund], {
      type: 'label_updated',
      seq: 3,
      label: view('l1', 'Gold', '#ffd700'),
    });
    expect(renamed).toEqual([{ id: 'l1', name: 'Gold', color: '#ffd700' }, refund]);
    const untouched = [refund];
    expect(relabel(untouched, { type: 'label_updated', seq: 4, label: view('l1', 'Gold') })).toBe(untouched);
  });

  it('drops a deleted label from a conversation and from the workspace list', () => {
    expect(relabel([vip, refund], { type: 'label_deleted', seq: 5, label_id: 'l1' })).toEqual([refund]);
    expect(
      relabelList([view('l1', 'VIP'), view('l2', 'Refund')], {
        type: 'label_deleted',
        seq: 5,
        label_id: 'l2',
      }).map((l) => l.id),
    ).toEqual(['l1']);
  });

  it('keeps the workspace list ordered by name after a rename', () => {
    const list = [view('l2', 'Refund'), view('l1', 'VIP')];
    expect(
      relabelList(list, { type: 'label_updated', seq: 6, label: view('l1', 'Archive') }).map((l) => l.name),
    ).toEqual(['Archive', 'Refund']);
  });
});
