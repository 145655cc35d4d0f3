// Strings of the audit log screen (administration). Vietnamese first.
export const auditVi = {
  'admin.audit': 'Nhật ký kiểm toán',
  'audit.actor': 'Người thực hiện',
  'audit.action': 'Hành động (ví dụ: auth.sign_in, vote.)',
  'audit.from': 'Từ ngày',
  'audit.to': 'Đến ngày',
  'audit.find': 'Tìm',
  'audit.csv': 'Xuất CSV',
  'audit.empty': 'Không có dòng nhật ký nào khớp.',
  'audit.at': 'Thời điểm',
  'audit.object': 'Đối tượng',
  'audit.address': 'Địa chỉ',
  'audit.request': 'Mã yêu cầu',
  'audit.detail': 'Chi tiết',
  'audit.system': '(hệ thống)',
};

export const auditEn: Record<keyof typeof auditVi, string> = {
  'admin.audit': 'Audit log',
  'audit.actor': 'Who',
  'audit.action': 'Action (e.g. auth.sign_in, vote.)',
  'audit.from': 'From',
  'audit.to': 'To',
  'audit.find': 'Search',
  'audit.csv': 'Export CSV',
  'audit.empty': 'No audit rows match.',
  'audit.at': 'When',
  'audit.object': 'Object',
  'audit.address': 'Address',
  'audit.request': 'Request ID',
  'audit.detail': 'Detail',
  'audit.system': '(system)',
};
