// RFC 6902 JSON Patch and RFC 7396 JSON Merge Patch.
//
// The whole patch is validated before any operation runs, then operations are
// applied in order to the caller's document. Every error names the index of
// the failing operation, its op and path, and a machine-readable reason in a
// JSON detail. Where nlohmann/json's own patch() is lenient (add under a
// primitive or null parent, remove through a primitive, move into a child),
// this implementation follows the RFC and fails.
#include "json_patch.h"

#include <algorithm>
#include <optional>

#include "json_pointer.h"

namespace draft_mode::engine {

namespace {

enum class Op { Add, Remove, Replace, Move, Copy, Test };

const char *op_name(Op op)
{
    switch (op) {
    case Op::Add:
        return "add";
    case Op::Remove:
        return "remove";
    case Op::Replace:
        return "replace";
    case Op::Move:
        return "move";
    case Op::Copy:
        return "copy";
    case Op::Test:
        return "test";
    }
    return "unknown";
}

// One validated operation; value points into the patch document.
struct Operation {
    Op op = Op::Test;
    Pointer path;
    Pointer from;
    const Value *value = nullptr;
};

// Where an error happened, for messages and details.
struct Site {
    std::size_t index = 0;
    const char *op = nullptr;          // null while the op itself is unknown
    const std::string *path = nullptr; // pointer texts, when known
    const std::string *from = nullptr;
};

// Builds an EngineError about operation site.index, e.g.
//   location does not exist in patch operation 2 (copy from "/a" to "/b")
// with a JSON detail naming the operation, its pointers, which pointer is at
// fault ("path" or "from", when one is) and a machine-readable reason.
EngineError operation_error(ErrorKind kind, const Site &site, const std::string &summary,
                            const std::string &reason, const char *at_fault = nullptr)
{
    std::string message = summary + " in patch operation " + std::to_string(site.index);
    std::string detail = "{\"operation\":" + std::to_string(site.index);
    if (site.op != nullptr) {
        message += " (";
        message += site.op;
        detail += ",\"op\":";
        append_json_string(detail, site.op);
    }
    if (site.from != nullptr) {
        message += " from ";
        append_json_string_capped(message, *site.from);
        detail += ",\"from\":";
        append_json_string_capped(detail, *site.from);
    }
    if (site.path != nullptr) {
        message += site.from != nullptr ? " to " : " at ";
        append_json_string_capped(message, *site.path);
        detail += ",\"path\":";
        append_json_string_capped(detail, *site.path);
    }
    if (site.op != nullptr)
        message += ")";
    if (at_fault != nullptr) {
        detail += ",\"pointer\":\"";
        detail += at_fault;
        detail += "\"";
    }
    detail += ",\"reason\":";
    append_json_string(detail, reason);
    detail += "}";
    return EngineError(kind, message, detail);
}

// Reads a required string member of an operation object.
const std::string &string_member(const Object &object, const char *name, const Site &site)
{
    const Value *member = object.find(name);
    if (member == nullptr)
        throw operation_error(ErrorKind::InvalidPatch, site,
                              std::string("missing member \"") + name + "\"",
                              std::string("missing_") + name);
    if (member->kind() != Kind::String)
        throw operation_error(ErrorKind::InvalidPatch, site,
                              std::string("member \"") + name + "\" must be a string, not " +
                                  kind_name(member->kind()),
                              std::string(name) + "_not_string");
    return member->as_string();
}

// Parses a pointer member, naming the operation in the error.
Pointer pointer_member(const std::string &text, const char *name, const Site &site)
{
    try {
        return Pointer::parse(text);
    } catch (const EngineError &) {
        const char *reason = text[0] != '/' ? "must_start_with_slash" : "bad_escape";
        throw operation_error(ErrorKind::InvalidPointer, site,
                              std::string("invalid JSON pointer in member \"") + name + "\"",
                              reason, name);
    }
}

std::optional<Op> parse_op(const std::string &name)
{
    if (name == "add")
        return Op::Add;
    if (name == "remove")
        return Op::Remove;
    if (name == "replace")
        return Op::Replace;
    if (name == "move")
        return Op::Move;
    if (name == "copy")
        return Op::Copy;
    if (name == "test")
        return Op::Test;
    return std::nullopt;
}

// Validates the patch document and returns its operations.
std::vector<Operation> parse_patch(const Value &patch, const Limits &limits, Interrupt &interrupt)
{
    if (!patch.is_array())
        throw EngineError(ErrorKind::InvalidPatch,
                          std::string("patch must be a JSON array, not ") + kind_name(patch.kind()),
                          "{\"reason\":\"patch_not_array\"}");
    const Array &items = patch.as_array();
    if (items.size() > limits.max_operations)
        throw EngineError(ErrorKind::LimitExceeded,
                          "patch has " + std::to_string(items.size()) +
                              " operations, more than the limit of " +
                              std::to_string(limits.max_operations),
                          "{\"limit\":\"max_patch_operations\",\"value\":" +
                              std::to_string(limits.max_operations) + "}");
    std::vector<Operation> operations;
    operations.reserve(items.size());
    for (std::size_t i = 0; i < items.size(); ++i) {
        interrupt.tick();
        Site site;
        site.index = i;
        if (!items[i].is_object())
            throw operation_error(ErrorKind::InvalidPatch, site,
                                  std::string("operation must be a JSON object, not ") +
                                      kind_name(items[i].kind()),
                                  "operation_not_object");
        const Object &object = items[i].as_object();
        const std::string &op_text = string_member(object, "op", site);
        auto op = parse_op(op_text);
        if (!op) {
            std::string summary = "unknown op ";
            append_json_string_capped(summary, op_text);
            std::string detail = "{\"operation\":" + std::to_string(i) + ",\"op\":";
            append_json_string_capped(detail, op_text);
            detail += ",\"reason\":\"unknown_op\"}";
            throw EngineError(ErrorKind::InvalidPatch,
                              summary + " in patch operation " + std::to_string(i), detail);
        }
        site.op = op_name(*op);
        Operation operation;
        operation.op = *op;
        const std::string &path_text = string_member(object, "path", site);
        site.path = &path_text;
        if (*op == Op::Move || *op == Op::Copy)
            site.from = &string_member(object, "from", site);
        operation.path = pointer_member(path_text, "path", site);
        if (site.from != nullptr)
            operation.from = pointer_member(*site.from, "from", site);
        if (*op == Op::Add || *op == Op::Replace || *op == Op::Test) {
            operation.value = object.find("value");
            if (operation.value == nullptr)
                throw operation_error(ErrorKind::InvalidPatch, site, "missing member \"value\"",
                                      "missing_value");
        }
        operations.push_back(std::move(operation));
    }
    return operations;
}

// Applies validated operations to one document.
class Patcher {
  public:
    Patcher(Value &document, Context &context)
        : document_(document), context_(context), size_(context.document_size)
    {
    }

    void apply(const Operation &operation, const Site &site)
    {
        site_ = &site;
        switch (operation.op) {
        case Op::Add:
            check_growth(operation.path, *operation.value, replaced_by_add(operation.path));
            add(operation.path, copy_value(*operation.value, interrupt()), "path");
            break;
        case Op::Remove: {
            Value removed = remove(operation.path, "path");
            if (size_ != 0)
                size_ -= std::min(size_, approximate_size(removed, interrupt()));
            break;
        }
        case Op::Replace: {
            Value *replaced = target(operation.path, "path");
            check_growth(operation.path, *operation.value, replaced);
            *replaced = copy_value(*operation.value, interrupt());
            break;
        }
        case Op::Move: {
            const Value &moved = *target(operation.from, "from");
            if (operation.from.tokens == operation.path.tokens)
                break;
            if (operation.from.is_proper_prefix_of(operation.path))
                throw operation_error(ErrorKind::InvalidPatch, site,
                                      "cannot move a value into one of its own children",
                                      "move_into_child");
            check_depth(operation.path, moved);
            add(operation.path, remove(operation.from, "from"), "path");
            break;
        }
        case Op::Copy: {
            // Measured before it is copied: a copy that would pass the size
            // limit is refused without allocating it.
            const Value &source = *target(operation.from, "from");
            check_growth(operation.path, source, replaced_by_add(operation.path));
            add(operation.path, copy_value(source, interrupt()), "path");
            break;
        }
        case Op::Test:
            if (!json_equal(*target(operation.path, "path"), *operation.value, interrupt()))
                throw operation_error(ErrorKind::TestFailed, site, "test failed", "value_differs");
            break;
        }
    }

  private:
    Interrupt *interrupt() { return &context_.interrupt; }

    // Error about pointer `which` ("path" or "from") of the current operation.
    EngineError not_found(const char *which, const char *reason)
    {
        const char *summary = std::string(reason) == "parent_not_container"
                                  ? "location is inside a scalar value"
                                  : "location does not exist";
        return operation_error(ErrorKind::PathNotFound, *site_, summary, reason, which);
    }

    // Resolves one token inside container, or throws with the reason.
    Value *step(Value &container, const std::string &token, const char *which)
    {
        if (container.is_object()) {
            Value *child = container.as_object().find(token);
            if (child == nullptr)
                throw not_found(which, "member_not_found");
            return child;
        }
        if (container.is_array()) {
            Array &items = container.as_array();
            auto index = parse_array_index(token);
            if (!index)
                throw not_found(which, "invalid_index");
            if (*index >= items.size())
                throw not_found(which, "index_out_of_range");
            return &items[*index];
        }
        throw not_found(which, "parent_not_container");
    }

    // The container holding the pointer's last token.
    Value &parent(const Pointer &pointer, const char *which)
    {
        Value *current = &document_;
        for (std::size_t i = 0; i + 1 < pointer.tokens.size(); ++i)
            current = step(*current, pointer.tokens[i], which);
        return *current;
    }

    // The existing value a pointer refers to.
    Value *target(const Pointer &pointer, const char *which)
    {
        if (pointer.tokens.empty())
            return &document_;
        return step(parent(pointer, which), pointer.tokens.back(), which);
    }

    void add(const Pointer &pointer, Value value, const char *which)
    {
        if (pointer.tokens.empty()) {
            document_ = std::move(value);
            return;
        }
        Value &container = parent(pointer, which);
        const std::string &token = pointer.tokens.back();
        if (container.is_object()) {
            // A sorted insert shifts up to every member.
            context_.interrupt.tick(container.as_object().size());
            container.as_object().set(token, std::move(value));
        } else if (container.is_array()) {
            Array &items = container.as_array();
            if (token == "-") {
                items.push_back(std::move(value));
                return;
            }
            auto index = parse_array_index(token);
            if (!index)
                throw not_found(which, "invalid_index");
            if (*index > items.size())
                throw not_found(which, "index_out_of_range");
            context_.interrupt.tick(items.size() - *index); // elements shifted
            items.insert(items.begin() + static_cast<std::ptrdiff_t>(*index), std::move(value));
        } else {
            throw not_found(which, "parent_not_container");
        }
    }

    // Removes the value at pointer and returns it.
    Value remove(const Pointer &pointer, const char *which)
    {
        if (pointer.tokens.empty())
            throw operation_error(ErrorKind::InvalidPatch, *site_,
                                  "cannot remove the whole document", "remove_root");
        Value &container = parent(pointer, which);
        Value *removed = step(container, pointer.tokens.back(), which);
        Value taken = std::move(*removed);
        context_.interrupt.tick(container.is_object() ? container.as_object().size()
                                                      : container.as_array().size());
        if (container.is_object())
            container.as_object().erase(pointer.tokens.back());
        else
            container.as_array().erase(container.as_array().begin() +
                                       (removed - container.as_array().data()));
        return taken;
    }

    // Refuses a value that would nest deeper than the depth limit.
    void check_depth(const Pointer &pointer, const Value &value)
    {
        std::size_t limit = context_.limits.max_depth;
        if (pointer.tokens.size() + depth(value, interrupt()) > limit)
            throw operation_error(ErrorKind::LimitExceeded, *site_,
                                  "result would nest deeper than the limit of " +
                                      std::to_string(limit) + " levels",
                                  "max_depth");
    }

    // Checks depth and keeps a running estimate of the document's size, so
    // that repeated copies cannot grow it past the size limit. replaced is
    // the value the new one takes the place of, if any (an array insert
    // replaces nothing, an object member or the root may be replaced).
    void check_growth(const Pointer &pointer, const Value &value, const Value *replaced)
    {
        check_depth(pointer, value);
        if (size_ == 0)
            size_ = approximate_size(document_, interrupt());
        if (replaced != nullptr)
            size_ -= std::min(size_, approximate_size(*replaced, interrupt()));
        else if (!pointer.tokens.empty()) // a new member's key (an array slot costs less)
            size_ += member_key_bytes + pointer.tokens.back().size();
        size_ += approximate_size(value, interrupt());
        if (size_ > context_.limits.max_document_bytes)
            throw operation_error(ErrorKind::LimitExceeded, *site_,
                                  "result would exceed the document size limit of " +
                                      std::to_string(context_.limits.max_document_bytes) + " bytes",
                                  "max_document_size");
    }

    // The value an "add" at pointer would take the place of: the whole
    // document, or an existing object member; never an array element (an
    // add there inserts and shifts).
    const Value *replaced_by_add(const Pointer &pointer)
    {
        if (pointer.tokens.empty())
            return &document_;
        Pointer parent_pointer;
        parent_pointer.tokens.assign(pointer.tokens.begin(), pointer.tokens.end() - 1);
        const Value *container = find(document_, parent_pointer);
        if (container == nullptr || !container->is_object())
            return nullptr;
        return container->as_object().find(pointer.tokens.back());
    }

    Value &document_;
    Context &context_;
    const Site *site_ = nullptr;
    std::size_t size_; // estimated size of the document; 0 until needed
};

// RFC 7396 MergePatch, merging into a target in place, with a running
// estimate of the result's size so that a merge cannot build a document
// larger than the size limit.
class Merger {
  public:
    explicit Merger(Context &context) : context_(context), size_(context.document_size) {}

    void merge(Value &document, const Value &patch)
    {
        if (size_ == 0)
            size_ = approximate_size(document, &context_.interrupt);
        merge_into(document, patch);
    }

  private:
    void merge_into(Value &target, const Value &patch)
    {
        context_.interrupt.tick();
        if (!patch.is_object()) {
            replace(target, patch);
            return;
        }
        if (!target.is_object()) {
            shrink(approximate_size(target, &context_.interrupt));
            target = Value::object();
        }
        // Both member lists are sorted in jsonb key order, so one linear
        // merge of the two builds the result: no sorted insert or erase
        // shifts the members once per patch key (quadratic for many new
        // keys). Untouched members are moved, never copied.
        std::vector<Member> &members = target.as_object().members();
        const std::vector<Member> &changes = patch.as_object().members();
        context_.interrupt.tick(members.size());
        std::vector<Member> merged;
        merged.reserve(members.size() + changes.size());
        std::size_t next = 0; // first member of target not yet moved
        for (const Member &member : changes) {
            context_.interrupt.tick();
            while (next < members.size() && jsonb_key_less(members[next].first, member.first))
                merged.push_back(std::move(members[next++]));
            bool present = next < members.size() && members[next].first == member.first;
            if (member.second.is_null()) {
                if (present) {
                    shrink(member_key_bytes + member.first.size() +
                           approximate_size(members[next].second, &context_.interrupt));
                    ++next;
                }
                continue;
            }
            if (present) {
                merged.push_back(std::move(members[next++]));
            } else {
                grow(member_key_bytes + member.first.size() + value_node_bytes);
                merged.emplace_back(member.first, Value());
            }
            merge_into(merged.back().second, member.second);
        }
        while (next < members.size())
            merged.push_back(std::move(members[next++]));
        members = std::move(merged);
    }

    // Replaces target with a copy of value; the size is checked before the
    // copy is made.
    void replace(Value &target, const Value &value)
    {
        shrink(approximate_size(target, &context_.interrupt));
        grow(approximate_size(value, &context_.interrupt));
        target = copy_value(value, &context_.interrupt);
    }

    void shrink(std::size_t bytes) { size_ -= std::min(size_, bytes); }

    void grow(std::size_t bytes)
    {
        size_ += bytes;
        if (size_ > context_.limits.max_document_bytes)
            throw_merge_too_large(context_.limits);
    }

    Context &context_;
    std::size_t size_; // estimated engine size of the document; 0 until needed
};

} // namespace

void apply_patch(Value &document, const Value &patch, Context &context)
{
    std::vector<Operation> operations = parse_patch(patch, context.limits, context.interrupt);
    Patcher patcher(document, context);
    for (std::size_t i = 0; i < operations.size(); ++i) {
        context.interrupt.tick();
        const Object &source = patch.as_array()[i].as_object();
        Site site;
        site.index = i;
        site.op = op_name(operations[i].op);
        site.path = &source.find("path")->as_string();
        if (operations[i].op == Op::Move || operations[i].op == Op::Copy)
            site.from = &source.find("from")->as_string();
        patcher.apply(operations[i], site);
    }
}

void validate_patch(const Value &patch, Context &context)
{
    parse_patch(patch, context.limits, context.interrupt);
}

void throw_operation_error(ErrorKind kind, std::size_t index, const char *op,
                           const std::string &path, const std::string *from,
                           const std::string &summary, const std::string &reason,
                           const char *at_fault)
{
    Site site;
    site.index = index;
    site.op = op;
    site.path = &path;
    site.from = from;
    throw operation_error(kind, site, summary, reason, at_fault);
}

void apply_merge_patch(Value &document, const Value &patch, Context &context)
{
    Merger(context).merge(document, patch);
}

void throw_merge_too_large(const Limits &limits)
{
    std::size_t limit = limits.max_document_bytes;
    throw EngineError(ErrorKind::LimitExceeded,
                      "merge result would exceed the document size limit of " +
                          std::to_string(limit) + " bytes",
                      "{\"limit\":\"max_document_size\",\"value\":" + std::to_string(limit) +
                          ",\"reason\":\"max_document_size\"}");
}

} // namespace draft_mode::engine
