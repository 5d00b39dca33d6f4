# Kiosk texts, Vietnamese (the reference language: every key lives here first).
# Keep sentences short and plain; many readers are elderly or read Vietnamese as a second language.

app-title = Phòng họp số
home-greeting = Xin chào! Hãy chạm vào một ô để bắt đầu.
no-meeting = Chưa có cuộc họp nào được lên lịch
tile-feedback = Góp ý
tile-feedback-hint = Gửi ý kiến của bạn
tile-rating = Đánh giá dịch vụ
tile-rating-hint = Bạn có hài lòng không?
tile-ticket = Tra cứu phiếu
tile-ticket-hint = Xem trả lời cho góp ý
tile-contribute = Ủng hộ
tile-contribute-hint = Quét mã QR để ủng hộ
tile-news = Tin tức
tile-news-hint = Thông báo của Mặt trận

nav-home = Trang chủ
nav-back = Quay lại
speak = Đọc to
speak-no-audio = Máy chưa có loa nên chưa đọc to được
speak-unavailable = Không đọc to được: { $reason }

hub-connected = Đã kết nối với tỉnh
hub-connecting = Đang kết nối…
hub-retrying = Mất kết nối, thử lại sau { $seconds } giây
hub-not-enrolled = Thiết bị chưa được đăng ký
hub-rejected = Tỉnh đã từ chối thiết bị này
online-count = Đang trực tuyến: { $count }

idle-question = Bạn vẫn ở đây chứ?
idle-countdown = Màn hình sẽ trở về trang chủ sau { $seconds } giây.
idle-stay = Tôi vẫn ở đây

feedback-title = Góp ý của bạn
feedback-draft-only = (bản thử: nội dung chưa được gửi đi)
feedback-type-hint = Gõ ý kiến bằng bàn phím bên dưới.
feedback-not-sent-yet = Việc gửi góp ý, chọn lĩnh vực và nói thay vì gõ sẽ có trong bản cập nhật tới. Nội dung bạn gõ lúc này chưa được gửi đi.
coming-rating = Sắp có: chạm vào một khuôn mặt để cho biết bạn hài lòng thế nào với dịch vụ hôm nay.
coming-ticket = Sắp có: nhập mã phiếu góp ý để xem trạng thái và câu trả lời của Ủy ban.
coming-contribute = Sắp có: chọn cuộc vận động, chọn số tiền và quét mã VietQR bằng ứng dụng ngân hàng.
coming-news = Sắp có: thông báo và tin tức của Ủy ban Mặt trận.

staff = Cán bộ
staff-pin-title = Nhập mã PIN cán bộ
staff-pin-wrong = Mã PIN không đúng. Còn { $left } lần thử.
staff-locked = Đã tạm khoá vì nhập sai nhiều lần. Thử lại sau { $minutes } phút.
staff-title = Bảng điều khiển cán bộ
staff-device = Phần mềm: phonghop { $version }
staff-unit = Đơn vị: { $unit }
staff-hub = Kết nối với tỉnh: { $state }
staff-default-language = Ngôn ngữ mặc định của máy
staff-exit = Thoát chế độ cán bộ

fault-title = Đã có lỗi xảy ra
fault-body = Xin lỗi, màn hình này gặp sự cố. Máy vẫn hoạt động. Chạm “Trang chủ” để tiếp tục.

instructions-home = Xin chào. Hãy chạm vào một ô trên màn hình: Góp ý, Đánh giá dịch vụ, Tra cứu phiếu, Ủng hộ, hoặc Tin tức.
instructions-feedback = Gõ ý kiến của bạn bằng bàn phím. Chạm vào các nút dấu để thêm dấu cho chữ.
instructions-coming = Chức năng này sắp có. Chạm Trang chủ để quay lại.
instructions-staff = Nhập mã PIN cán bộ bằng bàn phím số.
instructions-fault = Màn hình gặp sự cố. Chạm Trang chủ để tiếp tục.

kb-space = Dấu cách
kb-done = Xong
kb-backspace = Xoá
kb-shift = Chữ hoa
kb-telex = Telex
kb-vni = VNI
tone-sac = Dấu sắc
tone-huyen = Dấu huyền
tone-hoi = Dấu hỏi
tone-nga = Dấu ngã
tone-nang = Dấu nặng
