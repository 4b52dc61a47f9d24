// A form's own arithmetic (form.h): its size, its rhyme slots, and the tone a slot rhymes on.
#include "inkstone/form.h"

#include <algorithm>
#include <string>

namespace inkstone {

int form_spec::n_body_chars() const {
  int n = 0;
  for (const form_line& l : lines) n += l.n_chars;
  return n;
}

int form_spec::n_rhyme_slots() const {
  int n = 1;
  for (const form_line& l : lines) {
    if (l.rhyme) n = std::max(n, l.rhyme_slot + 1);
  }
  return n;
}

status set_rhyme_slot_tone(form_spec& form, int slot, tone_req tone, const prosody_tables& tables) {
  if (slot < 0 || slot >= kMaxRhymeSlots) {
    return make_error(status_code::invalid_argument, "rhyme slot ", slot, " out of range");
  }
  if (tone == tone_req::any) return status::success();
  if (form.slot_masks.size() + 1 < static_cast<size_t>(form.n_rhyme_slots())) {
    form.slot_masks.resize(form.n_rhyme_slots() - 1, 0);
  }
  // A slot of one tone rhymes within the groups of that tone, when the book tags them: a
  // character read both ways (看 寒 and 远) then takes the reading the slot asks for.
  const uint64_t of_tone = tables.groups_of_tone(static_cast<tone_class>(tone));
  if (of_tone != 0 && static_cast<size_t>(slot) <= form.slot_masks.size()) {
    uint64_t& mask = slot == 0 ? form.rhyme_mask : form.slot_masks[slot - 1];
    mask = mask != 0 ? (mask & of_tone) : of_tone;
    if (mask == 0) {
      return make_error(status_code::invalid_argument, "rhyme slot ", slot,
                        ": its group is not of its tone");
    }
  }
  for (size_t i = 0; i < form.lines.size(); i++) {
    form_line& l = form.lines[i];
    if (!l.rhyme || l.rhyme_slot != slot) continue;
    if (l.tones.empty()) l.tones.assign(l.n_chars, tone_req::any);
    tone_req& last = l.tones.back();
    if (last != tone_req::any && last != tone) {
      return make_error(status_code::invalid_argument, "lines[", i,
                        "].tones: its last tone contradicts the tone of rhyme slot ", slot);
    }
    last = tone;
  }
  return status::success();
}

}  // namespace inkstone
