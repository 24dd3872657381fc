package dev.takeover.helm;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchCondition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchResources;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.NamedRuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A rendered ValidatingAdmissionPolicy and its binding, applied to a request as the API server applies them
 * (k8s.io/apiserver/pkg/admission/plugin/policy/validating; docs: "Validating Admission Policy"): the policy's
 * resource rules and namespace selector first, then its match conditions (any false: the policy is skipped), then each
 * validation (false: denied with its message). CEL is evaluated for real (cel-java), on the variables the API server
 * binds: {@code object} (null on DELETE), {@code oldObject} (null on CREATE), {@code request} (the AdmissionRequest),
 * {@code params} (null: no paramKind), {@code namespaceObject}. Objects are maps, as JSON has them, with {@code dyn}
 * type; the API server types them by the kind's schema, which can only turn an expression that errs here into one
 * that fails type checking there, never a different result. Anything of the API a policy could use and this class does
 * not model (variables, paramKind, object selectors, excluded rules, a binding's own matchResources) fails loudly.
 */
final class AdmissionPolicy {
  /** What admission decides of one request. */
  sealed interface Verdict {}

  /** The policy does not apply: a rule, the namespace selector or a match condition left the request out. */
  record Skipped(String why) implements Verdict {}

  record Admitted() implements Verdict {}

  /** As the API server words it: {@code ValidatingAdmissionPolicy 'p' with binding 'b' denied request: message}. */
  record Denied(String reason, String message) implements Verdict {}

  /**
   * One admission request: who writes what, where. {@code object}/{@code oldObject} are the objects as JSON maps.
   */
  record Request(String operation, String group, String version, String resource, String namespace, String name,
                 String username, List<String> groups, Map<String, Object> object, Map<String, Object> oldObject) {}

  private static final Cel CEL = CelFactory.standardCelBuilder()
      .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
      .addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN).addVar("request", SimpleType.DYN)
      .addVar("params", SimpleType.DYN).addVar("namespaceObject", SimpleType.DYN)
      .setResultType(SimpleType.BOOL).build();

  final ValidatingAdmissionPolicy policy;
  final ValidatingAdmissionPolicyBinding binding;

  private AdmissionPolicy(ValidatingAdmissionPolicy policy, ValidatingAdmissionPolicyBinding binding) {
    this.policy = policy;
    this.binding = binding;
    var spec = policy.getSpec();
    MatchResources m = spec.getMatchConstraints();
    notModelled(!spec.getVariables().isEmpty(), "variables");
    notModelled(spec.getParamKind() != null, "paramKind");
    notModelled(!m.getExcludeResourceRules().isEmpty(), "excludeResourceRules");
    notModelled(m.getObjectSelector() != null && !m.getObjectSelector().getMatchLabels().isEmpty(), "objectSelector");
    notModelled(binding.getSpec().getMatchResources() != null, "the binding's matchResources");
    notModelled(binding.getSpec().getParamRef() != null, "paramRef");
    // The API server checks every expression when the policy is created: one that does not compile is refused there.
    spec.getMatchConditions().forEach(c -> compile(c.getExpression()));
    spec.getValidations().forEach(v -> compile(v.getExpression()));
  }

  /** The policy named {@code name} among the rendered objects, with the binding that refers to it. */
  static AdmissionPolicy of(List<HasMetadata> rendered, String name) {
    ValidatingAdmissionPolicy policy = rendered.stream().filter(o -> o instanceof ValidatingAdmissionPolicy
        && o.getMetadata().getName().equals(name)).map(ValidatingAdmissionPolicy.class::cast).findFirst()
        .orElseThrow(() -> new AssertionError("no ValidatingAdmissionPolicy " + name));
    ValidatingAdmissionPolicyBinding binding = rendered.stream().filter(o -> o instanceof ValidatingAdmissionPolicyBinding b
        && name.equals(b.getSpec().getPolicyName())).map(ValidatingAdmissionPolicyBinding.class::cast).findFirst()
        .orElseThrow(() -> new AssertionError("no ValidatingAdmissionPolicyBinding of " + name));
    return new AdmissionPolicy(policy, binding);
  }

  Verdict admit(Request r) {
    var spec = policy.getSpec();
    MatchResources m = spec.getMatchConstraints();
    if (m.getResourceRules().stream().noneMatch(rule -> matches(rule, r))) {
      return new Skipped("no resource rule matches " + r.operation() + " " + r.resource());
    }
    if (!selects(m.getNamespaceSelector(), r.namespace())) {
      return new Skipped("the namespace selector leaves out " + r.namespace());
    }
    Map<String, Object> vars = variables(r);
    boolean failed = false;
    for (MatchCondition c : spec.getMatchConditions()) {
      try {
        if (!evaluate(c.getExpression(), vars)) {
          return new Skipped("match condition " + c.getName() + " is false");
        }
      } catch (CelEvaluationException e) {
        failed = true; // any false condition still skips the policy, whatever errors others had
      }
    }
    if (failed) {
      return onError("a match condition failed to evaluate");
    }
    for (Validation v : spec.getValidations()) {
      boolean valid;
      try {
        valid = evaluate(v.getExpression(), vars);
      } catch (CelEvaluationException e) {
        return onError("expression '" + v.getExpression() + "' failed: " + e.getMessage());
      }
      if (!valid) {
        if (!binding.getSpec().getValidationActions().contains("Deny")) {
          return new Admitted(); // Warn or Audit only: the request goes through
        }
        return denied(v.getReason() == null ? "Invalid" : v.getReason(),
            v.getMessage() == null ? "failed expression: " + v.getExpression() : v.getMessage().strip());
      }
    }
    return new Admitted();
  }

  private Verdict onError(String what) {
    return "Ignore".equals(policy.getSpec().getFailurePolicy()) ? new Admitted() : denied("Invalid", what);
  }

  private Denied denied(String reason, String message) {
    return new Denied(reason, "ValidatingAdmissionPolicy '" + policy.getMetadata().getName() + "' with binding '"
        + binding.getMetadata().getName() + "' denied request: " + message);
  }

  private static boolean matches(NamedRuleWithOperations rule, Request r) {
    notModelled(!rule.getResourceNames().isEmpty(), "resourceNames");
    return any(rule.getApiGroups(), r.group()) && any(rule.getApiVersions(), r.version())
        && any(rule.getOperations(), r.operation()) && any(rule.getResources(), r.resource());
  }

  private static boolean any(List<String> allowed, String value) {
    return allowed.contains("*") || allowed.contains(value);
  }

  /** Every namespace carries its name as label kubernetes.io/metadata.name (set by the API server since 1.22). */
  private static boolean selects(LabelSelector selector, String namespace) {
    if (selector == null) {
      return true;
    }
    notModelled(!selector.getMatchExpressions().isEmpty(), "namespaceSelector.matchExpressions");
    return Map.of("kubernetes.io/metadata.name", namespace).entrySet().containsAll(selector.getMatchLabels().entrySet());
  }

  private static Map<String, Object> variables(Request r) {
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("uid", "2b0b5b1e-0000-4000-8000-000000000001");
    Map<String, Object> either = r.object() != null ? r.object() : r.oldObject();
    request.put("kind", Map.of("group", r.group(), "version", r.version(), "kind", either.get("kind")));
    request.put("resource", Map.of("group", r.group(), "version", r.version(), "resource", r.resource()));
    request.put("name", r.name());
    request.put("namespace", r.namespace());
    request.put("operation", r.operation());
    request.put("userInfo", Map.of("username", r.username(), "groups", r.groups()));
    request.put("dryRun", false);
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("object", cel(r.object()));
    vars.put("oldObject", cel(r.oldObject()));
    vars.put("request", cel(request));
    vars.put("params", NullValue.NULL_VALUE);
    vars.put("namespaceObject", cel(Map.of("apiVersion", "v1", "kind", "Namespace", "metadata",
        Map.of("name", r.namespace(), "labels", Map.of("kubernetes.io/metadata.name", r.namespace())))));
    return vars;
  }

  /** JSON values as CEL takes them: null as CEL's null, every integer as a long. */
  private static Object cel(Object json) {
    if (json == null) {
      return NullValue.NULL_VALUE;
    }
    if (json instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put((String) k, cel(v)));
      return out;
    }
    if (json instanceof List<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(cel(v)));
      return out;
    }
    if (json instanceof Integer || json instanceof Short || json instanceof Byte) {
      return ((Number) json).longValue();
    }
    return json;
  }

  /** A Kubernetes object as the API server hands it to CEL: its JSON. */
  static Map<String, Object> json(HasMetadata object) {
    return object == null ? null : json(new KubernetesSerialization().asJson(object));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String object) {
    return new KubernetesSerialization().unmarshal(object, Map.class);
  }

  private static boolean evaluate(String expression, Map<String, Object> vars) throws CelEvaluationException {
    return (Boolean) CEL.createProgram(compile(expression)).eval(vars);
  }

  private static CelAbstractSyntaxTree compile(String expression) {
    try {
      return CEL.compile(expression).getAst();
    } catch (CelValidationException e) {
      throw new AssertionError("the API server would refuse the policy: " + e.getMessage(), e);
    }
  }

  private static void notModelled(boolean used, String what) {
    if (used) {
      throw new AssertionError("the policy uses " + what + ", which AdmissionPolicy does not model: model it first");
    }
  }
}
