# Coachline's words, in English: every sentence the apps show.
#
# A client may read these in a crisis: short sentences, plain words, kind, never
# blaming; say what to do next. No names, behaviours or notes are ever put into
# these sentences except where a message says so (the person's own agreement).
# Times come in already formatted in the reader's time zone ($when, $until).

## Times

clock = { $hour12 }:{ $minute } { $half ->
    [am] AM
   *[pm] PM
}
when-today = { $clock } today
when-tomorrow = { $clock } tomorrow
when-this-week = { $clock } on { $weekday }
when-date = { $clock } on { $date }
date = { $weekday } { $day } { $month }
zoned-time = { $clock } { $zone } on { $date }
weekday = { $day ->
    [1] Monday
    [2] Tuesday
    [3] Wednesday
    [4] Thursday
    [5] Friday
    [6] Saturday
   *[7] Sunday
}
month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}

## The call decision (the status every shell and the CLI show), in the therapist's zone

status-locked = Calls are paused until { $until } under the { $hours }-hour rule; please { $overdue ->
    [yes] follow your backup plan and use
   *[no] use
} your crisis resources below.
status-away-until = Your therapist is not taking calls until { $until }; you can still call to ask for a call back, and please use your crisis resources below if you need help sooner.
status-away-until-overdue = Your therapist is not taking calls until { $until } and a call back is overdue; please follow your backup plan and use your crisis resources below.
status-away = Your therapist is not taking calls for now; you can still call to ask for a call back, and please use your crisis resources below if you need help sooner.
status-away-overdue = Your therapist is not taking calls for now and a call back is overdue; please follow your backup plan and use your crisis resources below.
status-allowed = { $overdue ->
    [yes] You can call your therapist now; a call back is overdue, so follow your backup plan below if you cannot reach them.
   *[no] You can call your therapist now.
}

## A new phone

welcome-title = Welcome to Coachline
welcome-intro = Coachline keeps your phone coaching agreement, your calls and the 24-hour rule on this phone, private and encrypted.
welcome-role = Who will use this phone?
welcome-client = I am the client
welcome-therapist = I am the therapist
welcome-name = Your name
welcome-submit = Start
problem-name = Enter a name on one line, up to 200 characters.
new-client-title = A new client
new-client-intro = This drafts an agreement from the standard form. Set your phone hours, then invite your client's phone.
new-client-name = Client's name
new-client-submit = Draft the agreement
client-invite = Invite the client's phone

## Client: Home

home-allowed-headline = You can call now
home-allowed-message = Your therapist takes calls until { $until }.
home-allowed-message-open = Your therapist is taking calls.
home-locked-headline = Calls are paused until { $until }
home-locked-message = You reported a behaviour, so under the { $hours }-hour rule you both agreed to, calls to your therapist wait for now. This is not a punishment. The people below can help you right now.
home-away-headline = Your therapist is away until { $next }
home-away-headline-open = Your therapist is away for now
home-away-message = You can still call to ask for a call back; expect it within { $minutes } minutes of their phone hours. If you need help sooner, the people below are there now.
home-callback-due = You asked for a call back. Expect it by { $due }.
home-callback-overdue = Your call back is late (it was due { $due }). Please follow your backup plan.
home-sign-banner = Your agreement has changes to read and sign
home-call-therapist = Call your therapist
home-request-callback = Call to ask for a call back
home-call-resource = Call { $name }
home-text-resource = Text { $name }
home-resource = { $name }: { $contact }
home-report-behavior = Report a behaviour
home-backup-plan-title = Your backup plan
home-read-agreement = Read your agreement

## Client: before, during and after a call

before-call-title = Before you call
before-call-intro = Calls are brief, { $min } to { $max } minutes. Your therapist will ask what you have tried and help you find what to try next.
before-call-intro-locked = The 24-hour rule is in place, so this call will not go through. You will see who you can reach right now instead.
before-call-reason = What is the call about?
before-call-situation = What is happening? (optional)
before-call-situation-hint = A few words are enough.
before-call-tried = Skills you have tried
before-call-tried-hint = Pick from the list or type your own.
before-call-urge = How strong is the urge right now?
before-call-submit = Call now
reason-coaching = Coaching in a hard moment
reason-clarification = A question about a skill
reason-repair = Repairing our relationship
reason-news = Sharing good news
add-skill = Add
urge-none = 0 (none)
urge-strongest = 5 (strongest)
problem-reason = Choose what the call is about.
problem-too-long = Please keep this under { $max } characters.
problem-skills = Each skill fits on one line (up to 200 characters), and up to 50 skills.
problem-urge = Choose a number from 0 to 5.
during-call-title = On the call
during-call-progress = { $elapsed } of { $min }–{ $max } minutes
during-call-cue = You are past the agreed length. When you are ready, start wrapping up together.
during-call-end = End the call
after-call-title = After the call
after-call-suggested = Skills to try next
after-call-suggested-hint = What your therapist suggested.
after-call-urge = How strong is the urge now?
after-call-answered = We talked
after-call-missed = No one answered
after-call-submit = Save

## Client: reporting a behaviour

report-title = Report a behaviour
report-submit = Report it
report-intro = Telling your therapist is part of the work. You do not have to name it.
report-which = Which behaviour? (optional)
report-when = When did it happen?
report-rather-not-say = I would rather not say
report-when-now = Just now
report-when-hours-ago = { $hours ->
    [one] An hour ago
   *[other] { $hours } hours ago
}
report-when-yesterday = Yesterday, around this time
report-next-locks = Under your { $hours }-hour rule, calls to your therapist will wait until { $until }. Your crisis resources are there for you the whole time.
report-next-over = The { $hours }-hour rule from then has already passed, so you can still call.
report-next-no-lock = Your agreement does not pause calls for this one.
problem-report-future = This cannot be in the future.

## The agreement

role-client = client
role-therapist = therapist
agreement-title = Phone coaching agreement
agreement-sign = Sign the agreement
agreement-changed = Changed since you both signed
agreement-proposed = Proposed, waiting for both signatures
agreement-status-active = Signed by you both: this is what applies.
agreement-status-you = Waiting for your signature. Until you both sign, the version you both signed before still applies.
agreement-status-both = Waiting for both signatures.
agreement-status-other = Waiting for the other signature.
section-rationale = Why phone coaching
section-reasons = Reasons for phone coaching
section-goals = Goals of phone coaching
section-expectations = What to expect
section-hours = Hours and call backs
section-backup_plan = Backup plan
section-lockout = The 24-hour rule
section-resources = Crisis resources
hours-schedule = Phone hours: { $schedule } ({ $zone }).
hours-none = No phone hours are set yet.
hours-call-length = Calls last { $min } to { $max } minutes.
hours-return-call = A call back comes within { $minutes } minutes of phone hours.
lockout-rule = After a target behaviour, calls to your therapist pause for { $hours } hours; other resources are there in that time.
lockout-behaviors = Behaviours that start it: { $list }.
resource-line = { $name }: { $contact }
signature-line = Signed by { $name } ({ $role }) on { $date }
change-behaviors = The target behaviours
change-resources = The crisis resources
term-client-name = Client's name
term-therapist-name = Therapist's name
term-rationale = Why phone coaching
term-reasons = Reasons for phone coaching
term-goals = Goals of phone coaching
term-expectations = What to expect
term-lockout-hours = The 24-hour rule (hours)
term-call-minutes = Call length (minutes)
term-return-call-minutes = Call back within (minutes)
term-time-zone = Time zone
term-availability = Phone hours
term-backup-plan = Backup plan
editor-title = Edit the agreement
editor-intro = Edits are proposals: the rules keep the version you both signed until you both sign again.
editor-save = Propose
problem-term = { $term ->
    [lockout-hours] Enter a whole number of hours, from 0 to 168.
    [call-minutes] Enter the shortest and longest call in minutes, like 5-8 (at most 240).
    [return-call-minutes] Enter a whole number of minutes, up to 10080 (a week).
    [time-zone] Enter a time zone such as America/New_York.
    [availability] Enter hours like Mon-Fri 09:00-20:00; Sat 10:00-14:00.
    [reasons] Enter at least one reason, one per line.
    [goals] Enter at least one goal, one per line.
    [expectations] Enter at least one item, one per line.
   *[other] This cannot be saved as it is: it may be empty or too long.
}

## Therapist: clients and their logs

clients-title = Clients
clients-new = Invite a new client
clients-open = Open
clients-overdue = Call back overdue since { $due }
clients-declined = { $count ->
    [one] 1 declined call since the session
   *[other] { $count } declined calls since the session
}
clients-locked = In a lockout until { $until }
clients-unsigned = Agreement not signed by both
clients-quiet = Not heard from in { $days } days
clients-all-well = Nothing waiting
client-title = { $name }
client-session-prep = Prepare the session
client-record-session = Record today's session
client-edit-agreement = Edit the agreement
client-sync = Sync
log-call-completed = { $reason } · { $minutes } min
log-call-missed = { $reason } · no answer
log-call-declined = { $reason } · declined by the 24-hour rule
log-call-open = { $reason } · in progress
log-urge = Urge { $before } before
log-urge-change = Urge { $before } → { $after }
log-tried = Tried: { $list }
log-suggested = Suggested: { $list }
log-report = Reported: { $behavior }
log-report-unnamed = Reported a target behaviour
log-return-call = Return the call
flag-long = Longer than agreed
flag-during-lockout = During a lockout
flag-callback-request = Call back asked
flag-overdue = Overdue
flag-declined = Declined
flag-retracted = Retracted

## Therapist: session prep

prep-title = { $name }: since { $since }
prep-reason-count = { $count } { $reason }
prep-calls = { $count ->
    [0] No calls.
    [one] 1 call: { $reasons }.
   *[other] { $count } calls: { $reasons }.
}
prep-durations = Median call { $median } min; { $share }% within the agreed length.
prep-declined = { $count ->
    [one] 1 call declined by the 24-hour rule.
   *[other] { $count } calls declined by the 24-hour rule.
}
prep-lockouts = { $count ->
    [0] No lockouts.
    [one] 1 lockout.
   *[other] { $count } lockouts.
}
prep-during-lockout = { $count ->
    [one] 1 call went ahead during a lockout reported later.
   *[other] { $count } calls went ahead during lockouts reported later.
}
prep-callbacks = Call backs asked: { $count }; { $in_time } in time, { $overdue } overdue.
prep-tried = Skills tried most: { $list }.
prep-suggested = Skills suggested most: { $list }.
prep-window = { $from } to { $until }
prep-chart-urges = Urge before and after each call (0–5)
prep-chart-weeks = Calls per week, by reason
prep-chart-lockouts = Lockouts

## Pairing, invitations and sync

pairing-title = Connect with your therapist
pairing-intro = Scan the code on your therapist's phone, or type the invitation they gave you.
pairing-intro-handover = Scan the code on your client's phone to move this agreement to your new phone.
pairing-code = Invitation
pairing-code-hint = It starts with COACHLINE1:
pairing-join = Connect
invitation-malformed = This is not a Coachline invitation. Check it starts with COACHLINE1: and try again.
invitation-forged = This invitation does not check out: it may have been mistyped. Ask for a new one.
invitation-expired = This invitation has expired. Ask for a new one.
invitation-spent = This invitation was already used. Ask for a new one.
invite-title = Invite your client
invite-intro = Show this code to your client's phone, or send them the text below.
invite-none = Make an invitation to connect your client's phone with this agreement.
invite-expiry = Valid until { $when }, once.
invite-make = Make a new invitation
sync-title = Sync
sync-unpaired = Not connected to the other phone yet.
sync-unpaired-waiting = Connect with an invitation first.
sync-last = Last exchange with the { $peer }'s phone: { $when }.
sync-never = No exchange with the { $peer }'s phone yet.
sync-waiting = Changes are waiting to go to the { $peer }'s phone.
sync-up-to-date = The { $peer }'s phone has everything from this one.
sync-now = Sync now

## Effects

effect-call-declined = This call cannot go ahead under the 24-hour rule. The people below can help you right now.
effect-reported = Thank you for telling. It is in your log.
effect-signed = Signed.
effect-nothing-to-sync = Nothing new to send.
effect-resource-contact = { $name }: { $contact }

## Therapist: session prep, printed (the HTML page)

prep-html-before = Before the call
prep-html-after = After the call
prep-html-call-axis = Calls, oldest first
prep-html-declined = Declined by the 24-hour rule
prep-html-period-start = Start of the period
prep-html-period-end = Now
prep-html-nothing = Nothing to show for this period.
prep-html-footer = Confidential: prepared for a session. Keep it safe or shred it.
