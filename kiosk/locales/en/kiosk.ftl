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
feedback-draft-only = (preview: nothing is sent yet)
feedback-type-hint = Type your comment with the keyboard below.
feedback-not-sent-yet = Sending feedback, choosing a topic and speaking instead of typing arrive in the next update. What you type now is not sent.
coming-rating = Coming soon: touch a face to say how satisfied you are with today's service.
coming-ticket = Coming soon: enter your ticket code to see its status and the committee's reply.
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
