// Saving a trained model as an F32 GGUF in the llama layout, with the keys of
// tools/gguf/gguf_writer.py's add_llama_hparams and tools/train/export_gguf.py's tokenizer.
#include "inkstone/gguf-writer.h"
#include "inkstone/trainer.h"

namespace inkstone {

std::vector<uint8_t> trainer::save_gguf(const tokenizer_config& vocab,
                                        std::string_view name) const {
  const train_config& c = config_;
  gguf_writer w;
  w.add_string("general.architecture", "llama");
  w.add_string("general.name", name);
  w.add_u32("general.file_type", 0);  // llama.cpp: 0 = ALL_F32
  w.add_u32("llama.context_length", uint32_t(c.n_ctx));
  w.add_u32("llama.embedding_length", uint32_t(c.n_embd));
  w.add_u32("llama.block_count", uint32_t(c.n_layer));
  w.add_u32("llama.feed_forward_length", uint32_t(c.n_ff));
  w.add_u32("llama.attention.head_count", uint32_t(c.n_head));
  w.add_u32("llama.attention.head_count_kv", uint32_t(c.n_head_kv));
  w.add_u32("llama.rope.dimension_count", uint32_t(c.n_embd / c.n_head));
  w.add_f32("llama.rope.freq_base", c.rope_base);
  w.add_f32("llama.attention.layer_norm_rms_epsilon", c.rms_eps);
  w.add_u32("llama.vocab_size", uint32_t(c.n_vocab));
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_strings("tokenizer.ggml.tokens", vocab.pieces);
  std::vector<float> scores = vocab.scores;
  scores.resize(vocab.pieces.size(), 0.0f);
  w.add_f32s("tokenizer.ggml.scores", scores);
  std::vector<int32_t> types(vocab.pieces.size(), int32_t(token_type::normal));
  for (size_t i = 0; i < vocab.types.size() && i < types.size(); ++i) {
    types[i] = int32_t(vocab.types[i]);
  }
  w.add_i32s("tokenizer.ggml.token_type", types);
  if (vocab.bos >= 0) w.add_u32("tokenizer.ggml.bos_token_id", uint32_t(vocab.bos));
  if (vocab.eos >= 0) w.add_u32("tokenizer.ggml.eos_token_id", uint32_t(vocab.eos));
  if (vocab.unk >= 0) w.add_u32("tokenizer.ggml.unknown_token_id", uint32_t(vocab.unk));
  w.add_bool("tokenizer.ggml.add_bos_token", vocab.add_bos);
  w.add_bool("tokenizer.ggml.add_eos_token", false);
  w.add_bool("tokenizer.ggml.add_space_prefix", vocab.add_space_prefix);
  for (const train_tensor& t : tensors_) {
    w.add_tensor(t.name, t.rows, t.cols, params_.data() + t.offset, t.rows == 1 ? 1 : 2);
  }
  return w.bytes();
}

}  // namespace inkstone
