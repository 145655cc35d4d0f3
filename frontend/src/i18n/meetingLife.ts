// Strings of the meeting as its participants live it: choice votes, confirmations and reason
// forms, raising a hand on the video screen, the tablet task bar. Vietnamese first; en must match
// key for key.
export const meetingLifeVi = {
  'vote.kind': 'Loại biểu quyết',
  'vote.kind.approval': 'Tán thành / không tán thành',
  'vote.kind.choice': 'Lựa chọn một trong các phương án',
  'vote.choiceOptions': 'Các phương án (mỗi dòng một phương án, ít nhất 2)',
  'vote.choiceBadge': 'Lựa chọn phương án',
  'vote.chosen': 'Phương án được lựa chọn: {option}',
  'vote.noneChosen': 'Không có phương án nào đạt tỷ lệ quy định',
};

export const meetingLifeEn: Record<keyof typeof meetingLifeVi, string> = {
  'vote.kind': 'Kind of vote',
  'vote.kind.approval': 'Approve / reject',
  'vote.kind.choice': 'Choose one of the options',
  'vote.choiceOptions': 'Options (one per line, at least 2)',
  'vote.choiceBadge': 'Choice of options',
  'vote.chosen': 'Option chosen: {option}',
  'vote.noneChosen': 'No option reached the required share',
};
