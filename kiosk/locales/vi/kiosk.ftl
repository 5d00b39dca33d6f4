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
feedback-type-hint = Gõ ý kiến bằng bàn phím bên dưới.
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

# Give feedback, rate, check a ticket
category-title = Góp ý của bạn về việc gì?
speak-instead = Nói thay vì gõ
type-instead = Gõ chữ thay vì nói
speak-title = Nói ý kiến của bạn
speak-hint = Chạm nút Ghi âm rồi nói. Bạn có thể nói đến 3 phút.
record-start = Ghi âm
record-stop = Dừng
recording-now = Đang ghi âm { $time } / { $limit }
recorded = Đã ghi { $time }. Bạn có thể nghe lại hoặc ghi lại.
record-play = Nghe lại
record-again = Ghi lại
record-failed = Ghi âm không được: { $reason }
next = Tiếp
contact-title = Để lại tên và số điện thoại (không bắt buộc)
skip-contact = Bỏ qua, gửi ẩn danh
contact-consent = Tôi đồng ý cho Ủy ban lưu tên, số điện thoại và thôn của tôi để liên hệ lại
contact-name = Họ tên
contact-phone = Điện thoại
contact-village = Thôn, bản
review-title = Kiểm tra trước khi gửi
review-category = Lĩnh vực: { $category }
review-voice = Lời nói đã ghi: { $time }
review-contact = Liên hệ: { $who }
review-anonymous = Gửi ẩn danh (không có tên, số điện thoại)
send = Gửi
send-failed = Chưa gửi được: { $reason }
sending = Đang lưu góp ý của bạn…
receipt-title = Đã nhận góp ý của bạn. Cảm ơn!
receipt-code = Mã phiếu của bạn:
receipt-hint = Giữ mã này. Bạn có thể xem trả lời ở máy này (ô Tra cứu phiếu) hoặc quét mã QR.
done = Xong
rating-question = Bạn có hài lòng với dịch vụ hôm nay không?
rating-1 = Rất không hài lòng
rating-2 = Không hài lòng
rating-3 = Bình thường
rating-4 = Hài lòng
rating-5 = Rất hài lòng
rating-thanks = Cảm ơn bạn đã đánh giá!
ticket-title = Mã phiếu:
look-up = Tra cứu
ticket-not-found = Không tìm thấy phiếu này ở máy này
ticket-not-found-hint = Hãy kiểm tra lại mã. Phiếu gửi ở máy khác có thể xem bằng mã QR trên phiếu.
ticket-failed = Không tra cứu được: { $reason }
ticket-heading = Phiếu { $code }
ticket-status = Trạng thái: { $status }
ticket-sent = Gửi lúc: { $date }
ticket-reply = Trả lời của Ủy ban:
ticket-no-reply = Chưa có trả lời.
ticket-synced = Cập nhật từ tỉnh lúc { $date }
ticket-never-synced = Máy chưa kết nối được với tỉnh để nhận trả lời
status-new = Mới nhận
status-acknowledged = Đã tiếp nhận
status-in-progress = Đang xử lý
status-resolved = Đã giải quyết
status-rejected = Không giải quyết
status-duplicate = Trùng với phiếu khác
status-closed = Đã đóng
instructions-category = Chạm vào lĩnh vực mà góp ý của bạn nói đến.
instructions-speak = Chạm nút Ghi âm rồi nói ý kiến của bạn. Chạm Dừng khi nói xong.
instructions-contact = Nếu muốn Ủy ban liên hệ lại, chạm vào ô đồng ý rồi nhập tên và số điện thoại. Nếu không, chạm Bỏ qua.
instructions-review = Kiểm tra góp ý rồi chạm Gửi.
instructions-receipt = Góp ý đã được nhận. Hãy giữ mã phiếu để xem trả lời sau.
instructions-rating = Chạm vào một ô để cho biết bạn hài lòng thế nào.
instructions-ticket = Nhập mã phiếu bằng bàn phím rồi chạm Tra cứu.

## Ủng hộ (kiosk/contribute)
instructions-contribute = Chọn cuộc vận động, chọn số tiền, rồi quét mã VietQR bằng ứng dụng ngân hàng trên điện thoại.
contribute-title = Chọn cuộc vận động để ủng hộ
contribute-loading = Đang tải danh sách cuộc vận động…
contribute-unavailable = Chưa xem được danh sách cuộc vận động. Xin thử lại sau.
contribute-none = Hiện chưa có cuộc vận động nào.
contribute-vnd = { $amount } ₫
contribute-progress = Đã nhận { $raised } ₫ / { $goal } ₫ · { $gifts } lượt ủng hộ
contribute-updated = cập nhật { $time }
contribute-wall = Những tấm lòng gần đây
contribute-anonymous-donor = Người ủng hộ giấu tên
contribute-amount-title = Bạn muốn ủng hộ bao nhiêu?
contribute-other = Số khác
contribute-other-hint = Nhập số tiền bằng bàn phím số
contribute-other-invalid = Số tiền từ { $min } ₫ đến { $max } ₫.
contribute-name-title = Bạn muốn ghi tên trên bảng ủng hộ không?
contribute-anonymous = Ủng hộ giấu tên
contribute-give-name = Ghi tên tôi
contribute-name-consent = Tôi đồng ý để tên tôi hiện trên bảng ủng hộ và trang công khai của cuộc vận động.
contribute-name-field = Tên của bạn
contribute-name-ok = Tiếp tục
contribute-preparing = Đang tạo mã VietQR…
contribute-failed = Chưa tạo được mã. Xin thử lại.
contribute-retry = Thử lại
contribute-qr-label = Mã VietQR để chuyển khoản
contribute-scan = Mở ứng dụng ngân hàng và quét mã
contribute-bank = Ngân hàng: { $value }
contribute-account-name = Tên tài khoản: { $value }
contribute-account = Số tài khoản: { $value }
contribute-amount = Số tiền: { $value }
contribute-reference = Mã ủng hộ: { $value }
contribute-reference-hint = Xin giữ nguyên mã ủng hộ ở đầu nội dung chuyển khoản.
contribute-waiting = Đang chờ bạn chuyển khoản…
contribute-thanks = Cảm ơn bạn!
contribute-thanks-body = Ủy ban đã nhận { $amount } cho { $campaign }.
contribute-done = Xong

## Meeting screen
meeting-idle = Chưa có cuộc họp
meeting-joining = Đang vào cuộc họp…
meeting-live = Đang họp
meeting-reconnecting = Mất kết nối – đang nối lại…
meeting-participants = { $count } điểm cầu
meeting-test-camera = Không có camera: các điểm cầu khác thấy hình thử.
meeting-test-microphone = Không có micro: các điểm cầu khác nghe tiếng thử.
meeting-test-both = Không có camera và micro: các điểm cầu khác thấy hình thử và nghe tiếng thử.
meeting-mic-off = Tắt micro
meeting-mic-on = Bật micro
meeting-camera-off = Tắt camera
meeting-camera-on = Bật camera
meeting-camera-is-off = Camera đang tắt
meeting-self-view = Phòng mình
meeting-waiting-picture = Đang chờ hình…
instructions-meeting = Phòng đang họp trực tuyến. Chạm Tắt micro hoặc Bật micro để tắt hay bật tiếng của phòng, chạm Tắt camera hoặc Bật camera để tắt hay bật hình.

# Why the room could not do it (errors the resident may see)
error-not-enrolled = Máy này chưa được đăng ký với tỉnh. Xin báo cán bộ xã.
error-credential = Máy chưa đọc được giấy phép kết nối. Xin báo cán bộ xã.
error-voice = Chưa lưu được đoạn ghi âm. Xin ghi âm lại.
error-store = Máy chưa lưu được. Xin thử lại sau ít phút.
error-no-free-code = Chưa tạo được mã phiếu. Xin thử lại.
error-stopped = Máy đang khởi động lại. Xin thử lại sau ít phút.
error-preview = Đây là màn hình xem thử, chưa nối với phòng họp.
contribute-closed = Cuộc vận động này đã kết thúc.
record-failed-no-mic = Máy chưa có micrô nên chưa ghi âm được.
record-failed-no-recorder = Máy chưa cài phần mềm ghi âm nên chưa ghi âm được. Xin báo cán bộ xã.
record-failed-retry = Ghi âm không được. Xin thử lại.

# News (kiosk::news)
instructions-news = Đây là thông báo của Ủy ban Mặt trận. Chạm Đọc to để nghe một tin. Chạm Trang chủ để quay lại.
news-title = Tin tức và thông báo
news-loading = Đang tải tin…
news-none = Hiện chưa có thông báo mới. Mời bà con quay lại sau.
news-unavailable = Chưa xem được tin tức. Xin thử lại sau.
news-date = Ngày { $date }
news-read-aloud = 🔊 Đọc to
news-read-aloud-item = Đọc to: { $title }
news-picture = Ảnh kèm tin: { $title }
