"""English: every topic, and the internal notes, which agents write in English whatever the
customer's language.

Placeholders: {first} the customer's first name, {agent} the agent's, {order}, {product},
{amount}, {code} (the promo code), {days}, {company}.
"""

LINES = {
    "nudge": (
        "Any update on this?",
        "Hello? Is anyone there?",
        "Still waiting for an answer...",
        "Following up on my message above.",
    ),
    "thanks": (
        "Thank you so much, that's great!",
        "Perfect, thanks for the quick help!",
        "Brilliant, appreciate it 🙏",
        "Thanks {agent}, all sorted.",
    ),
    "grumble": (
        "Fine. It shouldn't have taken this long though.",
        "OK. Thanks, I guess.",
        "Received. Hope it doesn't happen again.",
    ),
    "wait": (
        "I've passed this to the right team and will update you by tomorrow.",
        "Thanks! I'm checking this with our warehouse and will get back to you within 24 hours.",
    ),
    "hello": ("Hi 👋", "Hello, anyone there?", "Hey, quick question"),
    "welcome": (
        "You're welcome, {first}! Enjoy your next trip.",
        "Anytime! Happy trails, {first}.",
        "Glad I could help. Take care!",
    ),
    "cheers": ("Will do! 🙌", "❤️", "Thanks, you too!"),
    # Internal notes on phone and web-form threads, answered off-channel.
    "offline": (
        "Called back and explained the next steps; customer is happy.",
        "Answered by email from the support mailbox with the details.",
        "Left a voicemail with the answer and followed up by email.",
    ),
    "chat_hi": "Hi {first}, {agent} here from Northpeak. ",
    "greet_in": ("Hi,", "Hello,", "Hi there,"),
    "sign_in": ("Thanks,", "Best,", "Regards,"),
    "greet_out": "Hi {first},",
    "sign_out": "Best,\n{agent}\nNorthpeak {team}",
}

TOPICS = {
    "delivery_late": {
        "subject": (
            "Where is my order {order}??",
            "Order {order} is {days} days late",
            "Still waiting for my delivery",
        ),
        "ask": (
            "I ordered the {product} {days} days ago and it still hasn't arrived. Tracking hasn't "
            "moved since last week. Order {order}. This is really frustrating, I needed it for a "
            "trip this weekend.",
            "My order {order} was supposed to arrive on Monday. It's now {days} days late and "
            "nobody has told me anything. What is going on?",
            "Seriously, {days} days and still no {product}. Order {order}. Where is it?",
        ),
        "probe": (
            "I'm really sorry about the wait on order {order}. The parcel is sitting at the "
            "carrier's regional hub, and I've opened a trace with them. Can you confirm the "
            "delivery address is still correct?",
            "That's not the experience we want for you, and I'm sorry. Order {order} left our "
            "warehouse but the carrier scans stopped. Could you confirm your address and a phone "
            "number the driver can reach?",
        ),
        "info": (
            "Yes, the address is the same. Phone is on the order too. I just need it before "
            "Friday.",
            "Address is correct. Please just get it here.",
        ),
        "fix": (
            "Good news: the carrier found the parcel and it's out for delivery tomorrow. I've also "
            "refunded the shipping ({amount}) as an apology.",
            "I've sent a replacement {product} by express shipping; it arrives within 2 days. The "
            "lost parcel will come back to us, nothing for you to do.",
        ),
        "note": (
            "Carrier trace opened for {order}; last scan at the regional hub {days} days ago.",
            "Approved express replacement for {order}: lost-in-transit policy applies.",
        ),
    },
    "order_status": {
        "subject": ("When will {order} ship?", "Order status {order}", "Question about my order"),
        "ask": (
            "Could you tell me when order {order} will ship? I ordered the {product} on the "
            "weekend.",
            "Just checking on order {order}: the confirmation said 3-5 days. Is it on its way?",
        ),
        "probe": (
            "Thanks for checking in! Order {order} is packed and leaves our warehouse today. "
            "You'll get a tracking link as soon as the carrier scans it.",
            "Happy to help. Could you confirm the email address you used for order {order}? I "
            "can't find it under this one.",
        ),
        "info": (
            "Great. Will it need a signature?",
            "It's under my work email, same name. Thanks!",
        ),
        "fix": (
            "No signature needed. The tracking link is on its way to your inbox. Enjoy the "
            "{product}!",
            "Found it under your work email: order {order} shipped this morning and should arrive "
            "in 2 business days.",
        ),
        "note": (
            "Order {order} was placed with a second email address; linked it to this contact.",
        ),
    },
    "refund_request": {
        "subject": ("Refund for order {order}", "Return and refund", "Refund request"),
        "ask": (
            "I'd like to return the {product} from order {order}. It doesn't fit the way I hoped. "
            "How do I get a refund?",
            "I sent back the {product} two weeks ago and haven't seen the refund yet. "
            "Order {order}.",
        ),
        "probe": (
            "Of course. I've emailed you a free return label for order {order}. Once the parcel "
            "is scanned, {amount} goes back to your original payment method.",
            "Thanks for your patience. The return arrived at our warehouse on Tuesday. Could you "
            "confirm the last four digits of the card you paid with?",
        ),
        "info": ("Label received, I'll drop it off tomorrow.", "The card ends in 4417."),
        "fix": (
            "Your refund of {amount} has been issued. Banks usually take 3-5 business days to "
            "show it.",
            "Refund processed: {amount} is on its way back to you. Thanks for giving the "
            "{product} a try!",
        ),
        "note": (
            "Return received and inspected, item resellable. Refund {amount} approved.",
            "Outside the 30-day window by two days; approved anyway as goodwill.",
        ),
    },
    "damaged_item": {
        "subject": ("Damaged {product}", "Arrived broken", "Broken item in order {order}"),
        "ask": (
            "The {product} arrived with a torn seam and the box was crushed. I paid {amount} for "
            "this. Order {order}. Not happy.",
            "Opened order {order} today and the {product} is damaged. I want a replacement, not "
            "excuses.",
        ),
        "probe": (
            "I'm so sorry, that should never happen. Could you send a photo of the damage and the "
            "box? Then I'll get a replacement out right away.",
            "That's really disappointing, and I apologize. A quick photo of the damaged part is "
            "all I need to send a new one.",
        ),
        "info": (
            "Photos attached. The seam on the left shoulder is open.",
            "Here you go. The zip is broken too.",
        ),
        "fix": (
            "Thank you. A brand-new {product} ships today by express, and you can keep or "
            "recycle the damaged one. Sorry again for the trouble.",
            "A replacement is on its way (tracking to follow) and I've added a 15% code to your "
            "account for next time.",
        ),
        "note": (
            "Photos confirm transit damage. Filed a claim with the carrier for {order}.",
            "Second damaged shipment from this batch this week, flagged to warehouse QA.",
        ),
    },
    "double_charge": {
        "subject": ("Charged twice!", "Double charge on order {order}", "Billing error"),
        "ask": (
            "I've been charged twice for order {order}: two payments of {amount} on my card "
            "statement. Please fix this immediately.",
            "Why is there a second charge of {amount} on my card? I only placed one order "
            "({order}).",
        ),
        "probe": (
            "I'm sorry for the worry. I see one completed payment and one authorization hold for "
            "order {order}. Holds usually drop off within 3 business days, but let me confirm "
            "with our payments team.",
            "Thanks for flagging this. Could you tell me the dates of both charges as they appear "
            "on your statement?",
        ),
        "info": (
            "They're both marked as completed, not pending.",
            "Both on the 12th, same amount.",
        ),
        "fix": (
            "Confirmed: the second charge was a duplicate. I've refunded {amount} today; you'll "
            "see it within 3-5 business days.",
            "The payments team confirmed it was only an authorization hold, and it has now been "
            "released. You won't be charged twice.",
        ),
        "note": (
            "Payments: duplicate capture on {order} after a gateway timeout. Refunded.",
            "Checked with payments: authorization hold only, released.",
        ),
    },
    "invoice_request": {
        "subject": ("VAT invoice for order {order}", "Invoice with company details"),
        "ask": (
            "Could you send a VAT invoice for order {order} with our company name and address? "
            "Our accounts team needs it.",
            "We need an invoice for order {order} in the company's name for reimbursement.",
        ),
        "probe": (
            "Of course. Please send the company name, billing address and VAT number you'd like "
            "on the invoice.",
        ),
        "info": (
            "{company}, VAT number is in our account. Billing address is the same as delivery.",
            "Company: {company}. The address is on the order.",
        ),
        "fix": (
            "Here's your invoice for order {order} as a PDF, made out to {company} with your VAT "
            "number. Let me know if accounting needs anything else.",
        ),
        "note": ("Issued a corrected invoice for {order} with the company details.",),
    },
    "product_question": {
        "subject": ("Is it waterproof?", "Sizing question", "Warranty question"),
        "ask": (
            "Is the {product} fully waterproof or just water resistant? I'm planning a week in "
            "Scotland.",
            "I'm between a medium and a large for the {product}. I'm 178 cm and usually wear a "
            "medium. What do you recommend?",
            "Does the {product} come with a lifetime warranty?",
        ),
        "probe": (
            "Great question! The {product} has taped seams and a 20,000 mm rating, so it handles "
            "days of rain. Will you wear it all day or mostly keep it in your pack?",
            "Happy to help with sizing. Our fit runs true to size. Are you planning to layer a "
            "fleece underneath?",
            "It does! Every Northpeak product has our lifetime repair guarantee. Do you have the "
            "order number? I can register it for you.",
        ),
        "info": (
            "Mostly wearing it all day, hiking.",
            "Yes, probably a fleece underneath.",
            "It's {order}.",
        ),
        "fix": (
            "Then it's a great pick: it breathes well enough for all-day wear. Returns are free "
            "for 30 days if it's not right.",
            "Then I'd go with the large: room for a fleece without feeling baggy. Returns are free "
            "for 30 days if it's not right.",
            "Registered: {order} is covered for life. If a seam or zip ever fails, we repair or "
            "replace it for free.",
        ),
        "note": (
            "Pre-sales: answered the waterproofing question. Likely sale.",
            "Pre-sales: sent the fit guide. Likely sale.",
            "Registered {order} for the lifetime repair guarantee.",
        ),
    },
    "bulk_order": {
        "subject": ("Team order for {company}", "Quote for 25 jackets", "Bulk order inquiry"),
        "ask": (
            "We're outfitting our guiding team at {company}: about 25 jackets and backpacks. Do "
            "you offer volume pricing?",
            "Could we get a quote for 40 of the {product} with our logo? It's for our staff at "
            "{company}.",
        ),
        "probe": (
            "We'd love to outfit your team! Orders over 20 units get 15% off, and logo embroidery "
            "is available. Which sizes and colours do you need, and by when?",
        ),
        "info": (
            "Mostly M and L, navy. We'd need them by the start of next month.",
            "Mixed sizes, I'll send a list. Deadline is in six weeks.",
        ),
        "fix": (
            "Your quote is attached: 15% volume discount, free embroidery setup, delivery in 3 "
            "weeks. Reply 'go' and I'll reserve the stock.",
        ),
        "note": ("Quote sent, about {amount} per unit after discount. Follow up in a week.",),
    },
    "promo_code": {
        "subject": ("{code} code not working", "Spring Sale discount not applied"),
        "ask": (
            "I tried the {code} code from your Spring Sale email and it says it's invalid. Can you "
            "help?",
            "The Spring Sale discount didn't apply to my order {order}. I should have gotten 20% "
            "off.",
        ),
        "probe": (
            "Sorry about that! {code} works on full-price items only, and the {product} in your "
            "cart was already reduced. Could you send me the order number?",
            "Thanks for letting me know. Order {order} was placed without the code; I can apply "
            "it afterwards.",
        ),
        "info": ("It's {order}.", "OK, please do."),
        "fix": (
            "Done: I've refunded the 20% difference ({amount}) to your card. Enjoy the "
            "Spring Sale!",
            "I've applied {code} to your order and refunded {amount}. Thanks for shopping with us.",
        ),
        "note": (
            "{code} is rejected at checkout for sale items, a known limitation; refunded the "
            "difference by hand.",
        ),
    },
    "campaign_praise": {
        "subject": ("Loved the Spring Sale!", "Great campaign video"),
        "ask": (
            "Just saw your Spring Sale video and ordered the {product} right away. Love the new "
            "colours!",
            "That trail video was beautiful! Grabbed the {product} with the Spring Sale "
            "discount 🙌",
            "Your spring newsletter finally convinced me: ordered the {product}. Can't wait to "
            "take it out.",
        ),
        "fix": (
            "Thank you, {first}! That made our day. Tag us in your first trip photo with the "
            "{product} 🏔️",
            "So glad you liked it! Enjoy the {product} and happy trails.",
        ),
        "note": ("Nice testimonial; shared with marketing for the campaign wrap-up.",),
    },
    "app_bug": {
        "subject": ("App crashes at checkout", "Can't log in to the app", "Order history empty"),
        "ask": (
            "Your app crashes every time I tap 'Pay' at checkout. iPhone 15, latest version. I've "
            "tried three times.",
            "I can't log in to the Northpeak app since the update. It just spins forever.",
            "My order history in the app is empty even though I've ordered five times.",
        ),
        "probe": (
            "Sorry about that, and thanks for the details. Which app version do you see under "
            "Settings > About? Our team is looking into a checkout issue on iOS right now.",
            "I'm sorry for the hassle. Could you log out and back in, and tell me if you see an "
            "error message?",
            "Sorry about that! Your orders are safe: the app sometimes loses the link to your "
            "account after an update. Which email do you sign in with?",
        ),
        "info": (
            "Version 4.2.1. Still crashes.",
            "No error, it just hangs on the spinner.",
            "Same email as this one.",
        ),
        "fix": (
            "Our developers fixed it in version 4.2.2, out today. Please update and you'll be able "
            "to check out again. Thanks for your patience!",
            "Fixed on our side: your account had a stale session. You can log in now.",
            "I've re-linked your orders to your app account. Pull down to refresh and they'll all "
            "be there.",
        ),
        "note": (
            "Reproduced on iOS 18 with app 4.2.1: checkout crash APP-312, fix ships in 4.2.2.",
            "Stale session after the 4.2 update; cleared it from the admin side.",
            "Their orders were placed as guest checkouts; merged them into the app account.",
        ),
    },
    "service_praise": {
        "subject": ("Thank you!", "Great service", "Kudos to your team"),
        "ask": (
            "Just wanted to say thanks for sorting out my exchange so quickly last week. Great "
            "service!",
            "Ordered on Monday, arrived Tuesday. The {product} is perfect. You rock.",
        ),
        "fix": (
            "Thank you so much, {first}! I'll pass this on to the team. Enjoy the {product}!",
            "This made our week. Thanks for taking the time to write!",
        ),
        "note": ("Shared in the team channel 🎉",),
    },
    "exchange_size": {
        "subject": ("Exchange for a different size", "Size exchange for {order}"),
        "ask": (
            "The {product} is a bit too small. Can I exchange it for a large?",
            "Can I swap the {product} from order {order} for a different size?",
        ),
        "probe": (
            "Absolutely, exchanges are free! Which size would you like, and is the original still "
            "unworn with tags?",
        ),
        "info": ("Large please, and yes, tags are still on.", "Size 44 please. Never worn."),
        "fix": (
            "Done: the new size ships today, and a prepaid return label for the old one is in "
            "your inbox.",
        ),
        "note": ("Exchange created for {order}; new size reserved.",),
    },
    "cancel_order": {
        "subject": ("Cancel order {order}", "Please cancel my order"),
        "ask": (
            "Please cancel order {order}, I ordered the wrong colour.",
            "Can I still cancel {order}? I found it elsewhere.",
        ),
        "probe": ("Let me check whether it has left the warehouse yet. One moment.",),
        "info": ("Thanks, fingers crossed.", "OK."),
        "fix": (
            "Caught it in time: order {order} is cancelled and the full {amount} is refunded.",
            "It had already shipped, so I've set up a free return instead: just refuse the parcel "
            "or use the label in your email.",
        ),
        "note": ("Cancelled {order} before picking; refund issued.",),
    },
}
