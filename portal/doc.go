package portal

// Pages, element ids and form field names, for browser tests (the chromedp
// journey in package web) and anyone scripting the portal. Every form
// carries a hidden "csrf" field; ids are stable, texts are translated.
//
// Every page
//   #lang-switch          link to the same page in the other language (?lang=en / ?lang=zh-CN)
//   #main                 the page's content; #error-summary lists a form's errors (links to fields)
//   #<element id>-error   the error text of one field (e.g. #phone-error, #code-error, #object-note-error)
//
// GET /portal/                       home
//   #portal-submit-link   to the submit form
//   #portal-track-link    to the tracking form
//
// GET /portal/submit, POST /portal/submit (multipart/form-data)   submit a complaint
//   form#submit-form
//   #name        name=name          optional
//   #phone       name=phone         phone or email: one is required
//   #email       name=email
//   #category    name=category      <select> of the active category tree (codes), "" = none
//   #description name=description   required
//   #order-no    name=order_no      optional
//   #remedy      name=remedy        <select>: refund, exchange, repair, replacement, compensation, ...
//   #amount      name=amount        decimal, e.g. 199.00
//   #expect-note name=expect_note   optional
//   #photos      name=photos        file input, multiple (at most 5 files, 10 MiB each)
//   hidden name=form_token          idempotency key: submitting the same form twice makes one complaint
//   #submit-button
//   Answer (200): #submitted-title, #complaint-number (its text is the number), #track-link.
//   Bad input (400): the form again with #error-summary and the fields' errors.
//
// GET /portal/track, POST /portal/track   ask for a one-time code
//   form#track-form, #number name=number, #code-button
//   Answer (200, the same whether or not the number exists): the code page.
//   Too many requests: 429 with #number-error.
//
// Code page (answer of POST /portal/track), POST /portal/verify
//   #code-sent (notice), #code-number, form#verify-form (hidden name=number),
//   #code name=code (6 digits), #verify-button; form#resend-form with #resend-button.
//   The code is in the outbox: template "otp", channel sms (phone on file) or
//   email, data {"code": "123456", "number": "TS..."}.
//   Success: 303 to /portal/complaint with the session cookie kesu_portal
//   (HttpOnly, SameSite=Lax, Path=/portal/, 30 minutes). Wrong or expired: 400, #code-error.
//
// GET /portal/complaint   the tracking page (without a session: 303 to /portal/track)
//   #complaint-number, #status (data-status="<status code>"), #status-help, #notice (after an action),
//   #reject-reason, #recourse, #your-rating when they apply
//   #proposal             the proposed solution, when there is one
//   ol#timeline > li.event (.event-customer for the customer's own entries, .event-staff otherwise)
//   Shown only when the lifecycle allows it for a customer (kesu.AllowedActions):
//   form#accept-form    #accept-button                                   customer_accept
//   form#object-form    #object-note name=note (required) #object-button   customer_object
//   form#rate-form      radios name=satisfaction #satisfaction-1 .. #satisfaction-5,
//                       #rate-comment name=comment, #rate-button          close (with the rating)
//   form#reopen-form    #reopen-note name=note, #reopen-button             reopen (resolved, not solved)
//   form#appeal-form    #appeal-note name=note, #appeal-button             appeal (within the window)
//   form#withdraw-form  #withdraw-note name=note, #withdraw-button         withdraw
//   While the complaint is not finished (rejected, withdrawn, merged):
//   form#reply-form     #reply name=body, #reply-button (in awaiting_customer it is the
//                       customer_reply action, #reply-needed says so)
//   form#evidence-form  #files name=files (multiple), #evidence-button
//   form#signout-form   #signout-button
//   Actions post to /portal/complaint/action with hidden name=action and answer 303
//   to /portal/complaint?ok=<action>; refusals re-render the page (400 bad input,
//   409 the complaint moved on) with #error-summary / #form-error.
//
// GET /portal/complaint/attachments/{id}   a customer-visible attachment of the signed-in complaint
