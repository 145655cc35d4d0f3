// Vietnamese is the app's first language: every key lives here, and en.ts must translate each one
// (the compiler checks). Placeholders are written {name}.
import { documentsVi } from './documents';
import { auditVi } from './audit';
import { registerVi } from './register';
import { signingVi } from './signing';
import { recordingsVi } from './recordings';
import { betweenVi } from './between';
import { meetingsVi } from './meetings';
import { controlRoomVi } from './controlRoom';
import { videoVi } from './video';
import { ssoVi } from './sso';
import { notificationsVi } from './notifications';
import { meetingLifeVi } from './meetingLife';

export const vi = {
  ...meetingsVi,
  ...videoVi,
  ...documentsVi,
  ...registerVi,
  ...auditVi,
  ...signingVi,
  ...controlRoomVi,
  ...recordingsVi,
  ...ssoVi,
  ...notificationsVi,
  ...betweenVi,
  ...meetingLifeVi,
  'app.name': 'Phòng họp không giấy',
  'app.tagline': 'Hệ thống họp không giấy và hội nghị truyền hình',
  'app.skip': 'Bỏ qua đến nội dung chính',

  'lang.label': 'Ngôn ngữ',
  'lang.switchTo': 'English',
  'lang.switchToHint': 'Switch to English',

  'nav.home': 'Trang chủ',
  'nav.admin': 'Quản trị',
  'nav.main': 'Điều hướng chính',

  'user.menu': 'Tài khoản',
  'user.logout': 'Đăng xuất',
  'user.admin': 'Quản trị hệ thống',
  'user.loggedOut': 'Bạn đã đăng xuất.',
  'user.account': 'Tài khoản và mật khẩu',
  'account.title': 'Tài khoản của tôi',
  'account.changePassword': 'Đổi mật khẩu',
  'account.current': 'Mật khẩu hiện tại',
  'account.new': 'Mật khẩu mới',
  'account.repeat': 'Nhập lại mật khẩu mới',
  'account.mismatch': 'Hai mật khẩu mới không khớp.',
  'account.submit': 'Đổi mật khẩu',
  'account.changed': 'Đã đổi mật khẩu.',
  'account.othersSignedOut': 'Sau khi đổi, các phiên đăng nhập khác của bạn sẽ bị đăng xuất.',

  'common.loading': 'Đang tải…',
  'common.save': 'Lưu',
  'common.cancel': 'Hủy',
  'common.close': 'Đóng',
  'common.create': 'Tạo mới',
  'common.required': 'bắt buộc',
  'common.retry': 'Thử lại',
  'common.none': '—',
  'common.yes': 'Có',
  'common.no': 'Không',

  'error.network': 'Không kết nối được máy chủ. Hãy kiểm tra mạng và thử lại.',
  'error.unknown': 'Đã có lỗi xảy ra. Hãy thử lại.',
  'error.session': 'Phiên làm việc đã hết hạn. Hãy đăng nhập lại.',
  'error.formHasErrors': 'Hãy sửa các ô được đánh dấu.',

  'login.title': 'Đăng nhập',
  'login.intro': 'Dành cho cán bộ, đại biểu và thư ký các cơ quan, đơn vị.',
  'login.username': 'Tên đăng nhập',
  'login.password': 'Mật khẩu',
  'login.submit': 'Đăng nhập',
  'login.submitting': 'Đang đăng nhập…',
  'login.wrong': 'Tên đăng nhập hoặc mật khẩu không đúng.',
  'login.tooMany': 'Đăng nhập sai quá nhiều lần. Hãy thử lại sau 15 phút.',
  'login.needUsername': 'Hãy nhập tên đăng nhập.',
  'login.needPassword': 'Hãy nhập mật khẩu.',
  'login.footer': 'Liên hệ văn phòng hoặc bộ phận quản trị nếu bạn quên mật khẩu.',

  'home.greeting': 'Xin chào, {name}',
  'home.myOrgs': 'Cơ quan, đơn vị của tôi',
  'home.noOrgs': 'Tài khoản của bạn chưa thuộc cơ quan, đơn vị nào.',
  'home.myMeetings': 'Cuộc họp của tôi',
  'home.myMeetingsEmpty': 'Chưa có cuộc họp nào. Các cuộc họp bạn được mời sẽ hiện ở đây.',
  'home.documents': 'Tài liệu họp',
  'home.documentsEmpty': 'Tài liệu của các cuộc họp sắp tới sẽ hiện ở đây.',
  'home.roleSecretary': 'Thư ký',
  'home.roleAdmin': 'Quản trị',
  'home.ownOrg': 'Đơn vị công tác',

  'level.province': 'Tỉnh',
  'level.department': 'Sở, ban, ngành',
  'level.district': 'Huyện',
  'level.commune': 'Xã',

  'admin.title': 'Quản trị hệ thống',
  'admin.tabs': 'Mục quản trị',
  'admin.orgs': 'Cơ quan, đơn vị',
  'admin.points': 'Điểm cầu',
  'admin.users': 'Người dùng',
  'admin.forbidden': 'Chỉ quản trị hệ thống mới xem được trang này.',

  'org.listTitle': 'Cây cơ quan, đơn vị',
  'org.createTitle': 'Thêm cơ quan, đơn vị',
  'org.parent': 'Đơn vị cấp trên',
  'org.parentNone': '(Không có — cấp tỉnh)',
  'org.code': 'Mã đơn vị',
  'org.codeHint': 'Chữ không dấu, chữ số, - _ . (ví dụ: ubnd-huyen-dong-son)',
  'org.name': 'Tên đơn vị',
  'org.abbreviation': 'Chữ viết tắt',
  'org.abbreviationHint': 'Dùng trong ký hiệu văn bản, ví dụ: UBND, HĐND, VP',
  'org.level': 'Cấp',
  'org.created': 'Đã thêm đơn vị {name}.',
  'org.empty': 'Chưa có cơ quan, đơn vị nào.',
  'org.count': '{n} đơn vị',

  'point.listTitle': 'Danh sách điểm cầu',
  'point.createTitle': 'Thêm điểm cầu',
  'point.organization': 'Thuộc đơn vị',
  'point.code': 'Mã điểm cầu',
  'point.name': 'Tên điểm cầu',
  'point.location': 'Địa điểm',
  'point.created': 'Đã thêm điểm cầu {name}.',
  'point.empty': 'Chưa có điểm cầu nào.',
  'point.filter': 'Lọc theo đơn vị',
  'point.all': 'Tất cả đơn vị',

  'users.listTitle': 'Danh sách người dùng',
  'users.createTitle': 'Thêm người dùng',
  'users.username': 'Tên đăng nhập',
  'users.usernameHint': 'Chữ thường không dấu, chữ số và . _ -',
  'users.password': 'Mật khẩu ban đầu',
  'users.passwordHint': 'Ít nhất 10 ký tự',
  'users.fullName': 'Họ và tên',
  'users.title': 'Chức vụ',
  'users.organization': 'Đơn vị công tác',
  'users.role': 'Vai trò hệ thống',
  'users.roleNone': 'Không (đại biểu, cán bộ)',
  'users.roleSecretary': 'Thư ký của đơn vị công tác',
  'users.roleAdmin': 'Quản trị hệ thống',
  'users.roles': 'Vai trò',
  'users.inactive': 'Đã khóa',
  'users.actions': 'Thao tác',
  'users.created': 'Đã tạo tài khoản {name}.',
  'users.empty': 'Chưa có người dùng nào.',
  'users.resetPassword': 'Đặt lại mật khẩu',
  'users.resetTitle': 'Đặt lại mật khẩu cho {name}',
  'users.newPassword': 'Mật khẩu mới',
  'users.resetDone': 'Đã đặt lại mật khẩu cho {name}.',
  'users.secretaryOf': 'Thư ký · {org}',
  'users.admin': 'Quản trị',

  'notFound.title': 'Không tìm thấy trang',
  'notFound.body': 'Địa chỉ này không tồn tại hoặc đã được chuyển.',
  'notFound.back': 'Về trang chủ',
} as const;

export type MessageKey = keyof typeof vi;
