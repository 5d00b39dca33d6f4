# Kiosk texts, English. Every key of vi/kiosk.ftl must be here (a test checks).

app-title = Digital meeting room
home-greeting = Hello! Touch a tile to begin.
no-meeting = No meeting is scheduled
tile-feedback = Give feedback
tile-feedback-hint = Tell us what you think
tile-rating = Rate our service
tile-rating-hint = Were you satisfied?
tile-ticket = Check my ticket
tile-ticket-hint = Read the reply to your feedback
tile-contribute = Contribute
tile-contribute-hint = Scan a QR code to give
tile-news = News
tile-news-hint = Notices from the Front

nav-home = Home
nav-back = Back
speak = Read aloud
speak-no-audio = No speaker connected, so reading aloud is off
speak-unavailable = Cannot read aloud: { $reason }

hub-connected = Connected to the province
hub-connecting = Connecting…
hub-retrying = Connection lost, retrying in { $seconds } s
hub-not-enrolled = This box is not enrolled yet
hub-rejected = The province refused this box
online-count = Online now: { $count }

idle-question = Are you still there?
idle-countdown = The screen returns to Home in { $seconds } seconds.
idle-stay = I am still here

feedback-title = Your feedback
feedback-type-hint = Type your comment with the keyboard below.
coming-contribute = Coming soon: choose a campaign and an amount, then scan the VietQR code with your banking app.
coming-news = Coming soon: notices and news from the Front committee.

staff = Staff
staff-pin-title = Enter the staff PIN
staff-pin-wrong = Wrong PIN. { $left } tries left.
staff-locked = Locked after too many wrong PINs. Try again in { $minutes } minutes.
staff-title = Staff panel
staff-device = Software: phonghop { $version }
staff-unit = Unit: { $unit }
staff-hub = Link with the province: { $state }
staff-default-language = Default language of this box
staff-exit = Leave staff mode

fault-title = Something went wrong
fault-body = Sorry, this screen had a problem. The box still works. Touch “Home” to go on.

instructions-home = Hello. Touch a tile on the screen: Give feedback, Rate our service, Check my ticket, Contribute, or News.
instructions-feedback = Type your comment with the keyboard. Touch the tone keys to add tone marks.
instructions-coming = This part is coming soon. Touch Home to go back.
instructions-staff = Enter the staff PIN with the number pad.
instructions-fault = This screen had a problem. Touch Home to go on.

kb-space = Space
kb-done = Done
kb-backspace = Delete
kb-shift = Capitals
kb-telex = Telex
kb-vni = VNI
tone-sac = Acute tone (sắc)
tone-huyen = Grave tone (huyền)
tone-hoi = Hook tone (hỏi)
tone-nga = Tilde tone (ngã)
tone-nang = Dot tone (nặng)

# Give feedback, rate, check a ticket
category-title = What is your feedback about?
speak-instead = Speak instead
type-instead = Type instead
speak-title = Say what you think
speak-hint = Touch Record, then speak. You can speak for up to 3 minutes.
record-start = Record
record-stop = Stop
recording-now = Recording { $time } / { $limit }
recorded = Recorded { $time }. You can listen to it or record again.
record-play = Listen
record-again = Record again
record-failed = Recording failed: { $reason }
next = Next
contact-title = Leave your name and phone (optional)
skip-contact = Skip, send anonymously
contact-consent = I agree that the committee keeps my name, phone and village to contact me
contact-name = Name
contact-phone = Phone
contact-village = Village
review-title = Check before sending
review-category = Topic: { $category }
review-voice = Recorded message: { $time }
review-contact = Contact: { $who }
review-anonymous = Sent anonymously (no name, no phone)
send = Send
send-failed = Not sent yet: { $reason }
sending = Saving your feedback…
receipt-title = Your feedback was received. Thank you!
receipt-code = Your ticket code:
receipt-hint = Keep this code. Read the reply at this box (Check my ticket) or scan the QR code.
done = Done
rating-question = How satisfied are you with today's service?
rating-1 = Very unhappy
rating-2 = Unhappy
rating-3 = Neutral
rating-4 = Happy
rating-5 = Very happy
rating-thanks = Thank you for your rating!
ticket-title = Ticket code:
look-up = Look up
ticket-not-found = This ticket is not on this box
ticket-not-found-hint = Check the code. A ticket from another box can be read with the QR code on it.
ticket-failed = Cannot look it up: { $reason }
ticket-heading = Ticket { $code }
ticket-status = Status: { $status }
ticket-sent = Sent: { $date }
ticket-reply = The committee's reply:
ticket-no-reply = No reply yet.
ticket-synced = Updated from the province at { $date }
ticket-never-synced = This box has not reached the province yet to get replies
status-new = Received
status-acknowledged = Acknowledged
status-in-progress = In progress
status-resolved = Resolved
status-rejected = Not resolved
status-duplicate = Duplicate of another ticket
status-closed = Closed
instructions-category = Touch the topic your feedback is about.
instructions-speak = Touch Record and say what you think. Touch Stop when you are done.
instructions-contact = If you want the committee to contact you, touch the agreement and enter your name and phone. Otherwise touch Skip.
instructions-review = Check your feedback, then touch Send.
instructions-receipt = Your feedback was received. Keep the ticket code to read the reply later.
instructions-rating = Touch a box to say how satisfied you are.
instructions-ticket = Type your ticket code with the keyboard, then touch Look up.

## Contribute (kiosk/contribute)
instructions-contribute = Choose a campaign, choose an amount, then scan the VietQR code with the banking app on your phone.
contribute-title = Choose a campaign to support
contribute-loading = Loading the campaigns…
contribute-unavailable = The campaigns cannot be shown right now. Please try again later.
contribute-none = There are no campaigns at the moment.
contribute-vnd = { $amount } ₫
contribute-progress = { $raised } ₫ of { $goal } ₫ received · { $gifts ->
        [one] 1 gift
       *[other] { $gifts } gifts
    }
contribute-updated = updated { $time }
contribute-wall = Recent gifts
contribute-anonymous-donor = An anonymous donor
contribute-amount-title = How much would you like to give?
contribute-other = Other amount
contribute-other-hint = Type the amount on the number pad
contribute-other-invalid = The amount must be between { $min } ₫ and { $max } ₫.
contribute-name-title = Would you like your name on the donor wall?
contribute-anonymous = Give anonymously
contribute-give-name = Show my name
contribute-name-consent = I agree that my name is shown on the donor wall and on the campaign's public page.
contribute-name-field = Your name
contribute-name-ok = Continue
contribute-preparing = Making the VietQR code…
contribute-failed = The code could not be made. Please try again.
contribute-retry = Try again
contribute-qr-label = VietQR code for the transfer
contribute-scan = Open your banking app and scan the code
contribute-bank = Bank: { $value }
contribute-account-name = Account name: { $value }
contribute-account = Account number: { $value }
contribute-amount = Amount: { $value }
contribute-reference = Contribution code: { $value }
contribute-reference-hint = Please keep the contribution code at the start of the transfer message.
contribute-waiting = Waiting for your transfer…
contribute-thanks = Thank you!
contribute-thanks-body = The committee received { $amount } for { $campaign }.
contribute-done = Done

## Meeting screen
meeting-idle = No meeting now
meeting-joining = Joining the meeting…
meeting-live = In the meeting
meeting-reconnecting = Connection lost – reconnecting…
meeting-participants = { $count ->
    [one] { $count } participant
   *[other] { $count } participants
}
meeting-test-camera = No camera: the others see a test picture.
meeting-test-microphone = No microphone: the others hear a test tone.
meeting-test-both = No camera or microphone: the others see a test picture and hear a test tone.
meeting-mic-off = Turn microphone off
meeting-mic-on = Turn microphone on
meeting-camera-off = Turn camera off
meeting-camera-on = Turn camera on
meeting-camera-is-off = Camera is off
meeting-self-view = This room
meeting-waiting-picture = Waiting for the picture…
instructions-meeting = This room is in an online meeting. Touch the microphone button to turn the room's sound off or on, and the camera button to turn its picture off or on. To speak, touch Raise hand and wait for the host to give you the floor.

# Why the room could not do it (errors the resident may see)
error-not-enrolled = This box is not registered with the province yet. Please tell the commune staff.
error-credential = This box cannot read its connection permit. Please tell the commune staff.
error-voice = The recording could not be kept. Please record again.
error-store = This box could not save it. Please try again in a few minutes.
error-no-free-code = A ticket code could not be made. Please try again.
error-stopped = This box is restarting. Please try again in a few minutes.
error-preview = This is a preview screen, not connected to a room.
contribute-closed = This campaign has ended.
record-failed-no-mic = This box has no microphone, so it cannot record.
record-failed-no-recorder = This box cannot record yet: its recording software is missing. Please tell the commune staff.
record-failed-retry = Recording did not work. Please try again.

# News (kiosk::news)
instructions-news = These are notices from the Front committee. Touch Read aloud to hear one. Touch Home to go back.
news-title = News and notices
news-loading = Loading the news…
news-none = There are no new notices right now. Please come back later.
news-unavailable = The news cannot be shown right now. Please try again later.
news-date = { $date }
news-read-aloud = 🔊 Read aloud
news-read-aloud-item = Read aloud: { $title }
news-picture = Picture: { $title }

## Chairing: hands, chat, the host's actions, refusals
meeting-ok = OK
meeting-close = Close
meeting-muted-by-host = The host turned the microphone off
meeting-raise-hand = Raise hand to speak
meeting-lower-hand = Lower hand
meeting-chat = Message
meeting-end-question = End the meeting for every room?
meeting-end-confirm = End the meeting
meeting-end-cancel = Keep meeting
roster-title = Rooms
roster-absent = not here yet
roster-host = host
roster-floor = has the floor
roster-hand = hand raised (no. { $order })
roster-muted-by-host = muted by the host
roster-mic-off = microphone off
roster-camera-off = camera off
roster-speaking = speaking
chair-give-floor = Give the floor
chair-take-floor = Take the floor back
chair-mute = Mute this room
chair-unmute = Unmute this room
chair-lower-hand = Lower this room's hand
chair-mute-all = Mute everyone
chair-end = End meeting
chat-title = Messages
chat-count = { $count }/{ $max } characters
chat-send = Send
chat-hint = Type a short message…
chair-refused-not-invited = This room is not invited to the meeting.
chair-refused-not-host = Only the host room can do this.
chair-refused-not-present = This room has not joined the meeting yet.
chair-refused-target-absent = That room is not in the meeting now.
chair-refused-muted-by-host = The host turned this room's microphone off. Raise your hand to ask to speak.
chair-refused-empty-chat = The message is empty.
chair-refused-chat-too-long = The message is too long.
chair-refused-ended = The meeting has ended.
chair-refused-version = The province's software needs an update. Please tell staff.

## The next meeting (Home) and the takeover warning
next-meeting = Next meeting: { $title }, at { $time }
next-meeting-host = Host: { $host }
next-meeting-countdown = Starts in { $countdown }
meeting-soon = A meeting starts in { $seconds } seconds and will take over this screen.
meeting-soon-draft-kept = A meeting starts in { $seconds } seconds. What you typed is kept until the meeting ends.
staff-leave-meeting = Leave the meeting
staff-join-meeting = Join the meeting again
staff-join-now = Join now
join-refused-not-invited = This room is not invited to this meeting.
join-refused-not-yet = The meeting starts more than 15 minutes from now. Join closer to the time.
join-refused-no-meeting = The meeting is no longer running or was cancelled.
join-refused-version = The province's software needs an update. Please tell the staff.

## First-boot setup (a box with no config yet)
setup-title = Set up this box
setup-field-hub = Province hub address
setup-field-unit = Unit
setup-field-code = One-time code
setup-field-fingerprint = Certificate fingerprint
setup-field-pin = New staff PIN
setup-field-pin-again = Staff PIN again
setup-go = Set up
setup-hint = Type exactly what hub add-room printed at the province.
setup-running = Connecting to the province hub…
setup-running-hint = Checking the certificate, enrolling and saving the configuration.
setup-refused-title = Not set up
setup-refused-ok = Fix it
setup-error-detail = Detail: { $detail }
setup-done-title = This box is set up
setup-done-room = Room: { $room }
setup-done-unit = Unit: { $unit }
setup-done-starting = The room starts in { $seconds } seconds.
setup-start-now = Start now
setup-need-hub = Type the province hub's address.
setup-bad-hub = That is not a hub address. Type it as printed, for example https://hub.laocai.vn:8443
setup-need-unit = Type the unit.
setup-need-code = Type the one-time code.
setup-pin-rule = The staff PIN is at least 4 digits.
setup-pin-mismatch = The two PINs differ. Type the PIN again in the second field.
setup-error-exists = This box is set up already. This screen is only for a box with no configuration.
setup-error-bad-fingerprint = A certificate fingerprint is 64 digits and letters A to F, as printed.
setup-error-fingerprint-mismatch = The hub's certificate does not have the fingerprint you typed. Check it; if it still differs, this is not the hub that issued the code: ask the province for a new one.
setup-error-need-fingerprint = This hub has a self-signed certificate. Type the fingerprint that was printed.
setup-error-unreachable = Cannot reach the province hub. Check the address and the network, then try again.
setup-error-write = Cannot save the configuration on this box. Please tell a technician.
setup-error-config = What was typed does not make a valid configuration.
setup-error-code-refused = The province hub refused the code (wrong, used or expired).
setup-error-already-enrolled = This box was enrolled before. Please tell a technician.
setup-error-enroll = Enrolling with the province hub failed. Try again.
