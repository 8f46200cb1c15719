package dev.presence.it.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.jboss.arquillian.config.descriptor.api.ArquillianDescriptor;
import org.jboss.arquillian.config.descriptor.api.ContainerDef;
import org.jboss.arquillian.config.descriptor.api.GroupDef;
import org.jboss.arquillian.container.spi.ContainerRegistry;
import org.jboss.arquillian.container.spi.client.deployment.DeploymentDescription;
import org.jboss.arquillian.container.spi.client.deployment.TargetDescription;
import org.jboss.arquillian.container.test.impl.client.deployment.AnnotationDeploymentScenarioGenerator;
import org.jboss.arquillian.container.test.spi.client.deployment.DeploymentScenarioGenerator;
import org.jboss.arquillian.core.api.Instance;
import org.jboss.arquillian.core.api.annotation.Inject;
import org.jboss.arquillian.core.spi.LoadableExtension;
import org.jboss.arquillian.test.spi.TestClass;
import org.jspecify.annotations.Nullable;

/**
 * Runs the black-box ITs on a server other than Payara Micro, unchanged (profile {@code wildfly} of
 * presence-it).
 *
 * <p>Each IT class targets a Payara Micro container of {@code arquillian.xml} ({@code
 * TargetsContainer}, or the group's default one), whose {@code cmdOptions} hold the class's {@code
 * -Dpresence.*} settings. When a run launches a single container outside that group ({@code
 * -Darquillian.launch=wildfly}), every deployment is moved to it, and the {@code -Dpresence.*}
 * options of its Payara container are appended to the deployed WAR's {@code
 * META-INF/microprofile-config.properties} (MicroProfile Config, ordinal 100: the server's own
 * system properties still win). One server process then runs every class, one deployment after the
 * other, which also exercises undeploy and redeploy. Runs of the Payara group are left as they are.
 */
public final class OtherServerExtension implements LoadableExtension {

  @Override
  public void register(ExtensionBuilder builder) {
    builder.override(
        DeploymentScenarioGenerator.class,
        AnnotationDeploymentScenarioGenerator.class,
        Retargeting.class);
  }

  /** The annotation-driven generator, moving deployments as described on the extension. */
  public static final class Retargeting extends AnnotationDeploymentScenarioGenerator {

    private static final Logger LOG = Logger.getLogger(Retargeting.class.getName());

    @Inject private Instance<ContainerRegistry> registry;
    @Inject private Instance<ArquillianDescriptor> descriptor;

    @Override
    public List<DeploymentDescription> generate(TestClass testClass) {
      List<DeploymentDescription> deployments = super.generate(testClass);
      var live = registry.get().getContainers();
      if (live.size() != 1 || inGroup(live.get(0).getName())) {
        return deployments;
      }
      String server = live.get(0).getName();
      for (DeploymentDescription deployment : deployments) {
        ContainerDef source = source(deployment.getTarget());
        if (source == null || source.getContainerName().equals(server)) {
          continue;
        }
        Map<String, String> settings = presenceOptions(source);
        deployment.setTarget(new TargetDescription(server));
        if (deployment.isArchiveDeployment()) {
          PresenceWar.withConfig(
              deployment.getArchive(),
              "the -Dpresence.* options of arquillian.xml container " + source.getContainerName(),
              settings);
        }
        LOG.info(
            testClass.getName()
                + ": deployment moved from "
                + source.getContainerName()
                + " to "
                + server
                + " with "
                + settings);
      }
      return deployments;
    }

    private boolean inGroup(String container) {
      for (GroupDef group : descriptor.get().getGroups()) {
        for (ContainerDef def : group.getGroupContainers()) {
          if (def.getContainerName().equals(container)) {
            return true;
          }
        }
      }
      return false;
    }

    /** The Payara container a deployment was written for: named, or the default group's default. */
    private @Nullable ContainerDef source(TargetDescription target) {
      List<ContainerDef> all = new ArrayList<>(descriptor.get().getContainers());
      for (GroupDef group : descriptor.get().getGroups()) {
        all.addAll(group.getGroupContainers());
      }
      for (ContainerDef def : all) {
        if (TargetDescription.DEFAULT.equals(target)
            ? def.isDefault()
            : def.getContainerName().equals(target.getName())) {
          return def;
        }
      }
      return null;
    }

    /** The {@code -Dpresence.*=value} tokens of a container's {@code cmdOptions}, in order. */
    static Map<String, String> presenceOptions(ContainerDef def) {
      Map<String, String> settings = new LinkedHashMap<>();
      String options = def.getContainerProperties().getOrDefault("cmdOptions", "");
      for (String token : options.trim().split("\\s+")) {
        int eq = token.indexOf('=');
        if (token.startsWith("-Dpresence.") && eq > 0) {
          settings.put(token.substring(2, eq), token.substring(eq + 1));
        }
      }
      return settings;
    }
  }
}
